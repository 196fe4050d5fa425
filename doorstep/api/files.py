"""Material files over HTTP: POST /files puts the bytes an upload grant allows (the grant in
`X-Upload-Grant`, the type in Content-Type); GET /files/{id} gives them back to their owner or
to a clerk who may read an application they were given with. Both thin: services/files.py
decides."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.response import Response

from doorstep.domain.errors import NotFound, Unauthenticated
from doorstep.domain.files import MAX_FILE_BYTES
from doorstep.graphql.context import bearer_token
from doorstep.services import files
from doorstep.services.auth import actor_for_token

GRANT_HEADER = "x-upload-grant"


@post("/files", request_max_body_size=MAX_FILE_BYTES + 1)
async def upload_file(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    stored = await files.receive(
        state.deps,
        request.headers.get(GRANT_HEADER, ""),
        request.headers.get("content-type"),
        await request.body(),
    )
    return Response(
        {
            "fileId": str(stored.id),
            "mediaType": stored.media_type,
            "size": stored.size_bytes,
            "sha256": stored.sha256,
        },
        status_code=201,
    )


@get("/files/{file_id:str}")
async def download_file(
    request: Request[Any, Any, Any], state: State, file_id: str
) -> Response[Any]:
    actor = await actor_for_token(state.deps, bearer_token(request.headers.get("authorization")))
    if actor is None:
        raise Unauthenticated("auth.required")
    if not file_id.isdigit() or len(file_id) > 18:
        raise NotFound("file.not_found")
    stored, content = await files.open_file(state.deps, actor, int(file_id))
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
    return Response(
        content,
        media_type=stored.media_type,
        headers={
            # never rendered in our origin: a download, typed as checked on the way in
            "Content-Disposition": f'attachment; filename="material-{stored.id}.'
            f'{extension[stored.media_type]}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


ROUTES = [upload_file, download_file]
