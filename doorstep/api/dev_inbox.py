"""/dev/inbox: every SMS the console channel sent, shown as on a phone. Dev mode only."""

from __future__ import annotations

from html import escape
from typing import Annotated

from litestar import get
from litestar.datastructures import State
from litestar.params import QueryParameter
from litestar.response import Response

from doorstep.domain.calendar import SHANGHAI
from doorstep.services import dev_inbox as inbox

_PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5"><title>Dev inbox · 短信</title>
<style>body{{font:16px system-ui,sans-serif;background:#eef;margin:0;padding:1em}}
.sms{{background:#fff;border-radius:1em;padding:.8em 1em;margin:.6em 0;max-width:28em;
box-shadow:0 1px 2px #0002}}.to{{color:#555;font-size:.85em}}form{{margin-bottom:1em}}</style>
</head><body><h1>短信收件箱 (dev)</h1><form><input name="phone" placeholder="+8613800138001"
value="{phone}"> <button>筛选</button></form>{items}</body></html>"""


@get("/dev/inbox", media_type="text/html")
async def dev_inbox(
    state: State, phone: Annotated[str | None, QueryParameter(name="phone")] = None
) -> Response[str]:
    rows = await inbox.console_messages(state.deps, phone or None)
    items = (
        "".join(
            f'<div class="sms"><div class="to">{escape(r["phone"])} · '
            f"{(r['sent_at'] or r['created_at']).astimezone(SHANGHAI):%m-%d %H:%M:%S}</div>"
            f"{escape(r['body'] or '')}</div>"
            for r in rows
        )
        or "<p>没有短信。</p>"
    )
    return Response(_PAGE.format(phone=escape(phone or ""), items=items), media_type="text/html")
