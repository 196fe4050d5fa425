"""ASGI entry for multi-process serving: `uvicorn doorstep.api.asgi:app`."""

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.observability import logs

# a process uvicorn spawned starts with no logging set up
logs.configure_from_env()

app = create_app(Settings.from_env())
