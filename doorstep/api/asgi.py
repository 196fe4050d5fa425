"""ASGI entry for multi-process serving: `uvicorn doorstep.api.asgi:app`."""

from doorstep.api.app import create_app
from doorstep.config import Settings

app = create_app(Settings.from_env())
