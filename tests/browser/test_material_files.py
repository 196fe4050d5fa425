"""A material as a real file in the browser: asked for 补正, the citizen picks a photo, names
which material it is and sends it with her answer; a PDF passed off as a photo is refused next
to the field in her language, and nothing is supplied until a good file goes."""

from __future__ import annotations

from pathlib import Path

from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.conftest import NewPhone
from tests.browser.journeys import Api, enter, no_axe_violations, visit
from tests.e2e.servers import Server
from tests.integration.helpers import fresh_phone

SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"})
  { number tasks { id unitCode } } }"""
ASK = (
    'mutation($t: ID!) { requestMaterials(taskId: $t, reason: "Need the birth certificate") '
    "{ status } }"
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(300)
PDF = b"%PDF-1.7\n%%EOF"


async def test_a_photo_goes_with_the_answer_to_a_request_for_materials(
    web: Server, pool: Pool, phone: NewPhone, tmp_path: Path
) -> None:
    citizen = fresh_phone()
    context = await phone("en", bypass_csp=True)
    page = await context.new_page()
    await enter(page, web, pool, citizen, "en")
    api = Api(web, pool)
    try:
        own = await api.token(citizen)
        app = (await api.run(SUBMIT, {}, own))["submitApplication"]
        admin = await api.token("+8613900139000", staff=True)
        psb = next(t["id"] for t in app["tasks"] if t["unitCode"] == "cy-psb")
        await api.run(ASK, {"t": psb}, admin)
    finally:
        await api.close()
    await visit(page, f"#/application/{app['number']}", ".supply select[name=material]")
    await no_axe_violations(page, "supply with a file")
    disguised = tmp_path / "photo.png"
    disguised.write_bytes(PDF)  # a PDF named like a photo
    await page.set_input_files(".supply input[type=file]", str(disguised))
    await page.locator(".supply button[type=submit]").click()
    error = page.locator(".supply .field .error")
    await error.wait_for()
    assert await error.inner_text() == translate("error.file.type_mismatch", "en")
    assert (
        await pool.fetchval("select status from tasks where id = $1", int(psb)) == "needs_materials"
    )

    photo = tmp_path / "certificate.png"
    photo.write_bytes(PNG)
    await page.set_input_files(".supply input[type=file]", str(photo))
    await page.locator(".supply button[type=submit]").click()
    await page.locator(".notice[role=status]").wait_for()
    row = await pool.fetchrow(
        """select f.media_type, f.size_bytes, x.material_code from application_files x
           join stored_files f on f.id = x.file_id join applications a on a.id = x.application_id
           where a.number = $1""",
        app["number"],
    )
    assert row is not None and (row["media_type"], row["size_bytes"]) == ("image/png", len(PNG))
    assert await pool.fetchval("select status from tasks where id = $1", int(psb)) != (
        "needs_materials"
    )
