"""POST /push/ack: the service worker says a push arrived (and whether it was opened).

The push payload carries the row id and an HMAC token only the server can make, so the
service worker needs no session to report; a wrong token is answered like an unknown id.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.datastructures import State
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_404_NOT_FOUND

from doorstep.api import json_body
from doorstep.domain.errors import NotFound
from doorstep.i18n import choose_language, translate
from doorstep.services import push


@post("/push/ack", request_max_body_size=4096)
async def push_ack(request: Request[Any, Any, Any], state: State) -> Response[dict[str, Any]]:
    language = choose_language(None, request.headers.get("accept-language"))
    try:
        body = json_body.loads(await request.body())
        outbox_id, token = body["id"], body["ack"]
        opened = bool(body.get("opened", False))
        if (
            not isinstance(outbox_id, int)
            or isinstance(outbox_id, bool)
            or not isinstance(token, str)
            or not 0 < outbox_id < 2**63
        ):
            raise ValueError("types")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return Response(
            {"code": "bad_request", "message": translate("error.http.bad_request", language)},
            status_code=HTTP_400_BAD_REQUEST,
        )
    try:
        status = await push.acknowledge(state.deps, outbox_id, token, opened=opened)
    except NotFound:
        return Response(
            {"code": "not_found", "message": translate("error.push.unknown", language)},
            status_code=HTTP_404_NOT_FOUND,
        )
    return Response({"status": status}, status_code=HTTP_200_OK)
