"""Material files in the authorization matrix (test_authorization_matrix)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.helpers import gql

OK = None
AUTH = "auth.required"
NO = "auth.forbidden"
HIDDEN = "application.not_found"

# ROLES: anonymous, citizen, other_citizen, staff (cy-psb), other_staff, supervisor, admin
FILES_EXPECTED: dict[str, tuple[str | None, ...]] = {
    # uploading is the citizen's own (into their own files)
    "requestUploadGrant": (AUTH, OK, OK, NO, NO, NO, NO),
    # attaching supplies a material: the citizen's own application
    "attachMaterialFile": (AUTH, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    # the list reads the application, as the application query does
    "applicationFiles": (AUTH, OK, HIDDEN, OK, HIDDEN, OK, OK),
}
FILES_QUERIES = {
    "requestUploadGrant": "mutation { requestUploadGrant { token } }",
    "attachMaterialFile": "mutation($n: String!, $m: String!, $f: ID!) { attachMaterialFile("
    "number: $n, materialCode: $m, fileId: $f) { id } }",
    "applicationFiles": "query($n: String!) { applicationFiles(number: $n) { id } }",
}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


async def prepare_files(
    client: AsyncTestClient[Any], tokens: dict[str, str], operation: str
) -> dict[str, Any]:
    """For attaching: a file the `citizen` session uploaded, and a material of the bundle."""
    if operation != "attachMaterialFile":
        return {}
    body = await gql(client, FILES_QUERIES["requestUploadGrant"], token=tokens["citizen"])
    grant = body["data"]["requestUploadGrant"]["token"]
    response = await client.post(
        "/files", content=PNG, headers={"X-Upload-Grant": grant, "Content-Type": "image/png"}
    )
    assert response.status_code == 201, response.text
    bundle = await gql(client, '{ bundle(code: "newborn") { items { materials { code } } } }')
    material = bundle["data"]["bundle"]["items"][0]["materials"][0]["code"]
    return {"f": response.json()["fileId"], "m": material}
