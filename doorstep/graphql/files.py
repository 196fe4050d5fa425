"""Materials as real files: the grant to upload one, attaching it to an application, and the
files an application was given with. Thin resolvers over `services.files`; the bytes travel
over plain HTTP (POST /files, GET /files/{id})."""

from __future__ import annotations

from datetime import datetime

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.ids import parse_id
from doorstep.mirror import mirror
from doorstep.services import files


@strawberry.type(description="Permission to upload one file: POST it to url with the token")
class UploadGrant:
    url: str = strawberry.field(description="POST the bytes here, Content-Type set")
    token: str = strawberry.field(description="Send it as the X-Upload-Grant header; once")
    expires_at: datetime
    max_bytes: int
    media_types: list[str] = strawberry.field(description="Checked on the content itself")


@strawberry.type(description="A file given with an application as one of its materials")
class MaterialFile:
    id: strawberry.ID
    material_code: str
    media_type: str
    size: int
    sha256: str
    attached_at: datetime
    url: str = strawberry.field(description="GET with the session's bearer token")


_file_type = mirror(
    MaterialFile, files.AttachedFile, size="size_bytes", url=lambda row: f"/files/{row.id}"
)


@strawberry.type
class FilesQuery:
    @strawberry.field(description="The files an application was given with (staff: recorded)")
    async def application_files(self, info: Info, number: str) -> list[MaterialFile]:
        ctx = info.context
        return [_file_type(r) for r in await files.attached(ctx.deps, ctx.actor, number)]


@strawberry.type
class FilesMutation:
    @strawberry.mutation(description="The citizen: permission to upload one file (10 minutes)")
    async def request_upload_grant(self, info: Info) -> UploadGrant:
        ctx = info.context
        grant = await files.grant_upload(ctx.deps, ctx.actor)
        return UploadGrant(
            url="/files",
            token=grant.token,
            expires_at=grant.expires_at,
            max_bytes=grant.max_bytes,
            media_types=list(grant.media_types),
        )

    @strawberry.mutation(
        description="The citizen: give an uploaded file as one of an application's materials"
    )
    async def attach_material_file(
        self, info: Info, number: str, material_code: str, file_id: strawberry.ID
    ) -> list[MaterialFile]:
        ctx = info.context
        rows = await files.attach(
            ctx.deps, ctx.actor, number, material_code, parse_id(file_id, "file.id_invalid")
        )
        return [_file_type(r) for r in rows]
