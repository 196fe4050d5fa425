"""The staff console served by the backend at /counter/, sharing the citizen app's vendored
modules and the core in shared/; its strings from the catalogs (every key it uses, shared
modules included, in every language)."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.api.web import site, web_root
from doorstep.i18n import LANGUAGES, has_message, translate
from tests.integration.test_web_serving import _modules_of

# t('queue.title'), t(`action.${kind}`): literal keys, and the families built from values
_KEY = re.compile(r"""\bt\(\s*['`]([a-z_.]+)(\$\{)?""")
FAMILIES = {
    "action.": ["accept", "complete", "materials", "refuse", "extend"],
    "status.": ["all", "submitted", "accepted", "needs_materials", "done", "rejected"],
    "role.": ["staff", "supervisor", "admin"],
    "language.": list(LANGUAGES),
    "ticket.": ["acknowledge", "return", "resolve", "extend"],
    "desk.": ["walkin", "consent", "hotline"],
    "decisions.outcome.": ["safe", "needs_help", "not_reached"],
    # the API's enum labels, shared with the citizen app
    "ticket_kind.": ["complaint", "help", "enquiry", "report", "suggestion"],
    "urgency.": ["normal", "urgent", "danger"],
    # administration and identity conflicts (the API's enums, lower-cased)
    "admin.tab.": ["units", "staff", "catalog", "calendar"],
    "admin.kind.": [
        "department",
        "street_office",
        "community",
        "enterprise",
        "social_organisation",
    ],
    "admin.calendar.basis.": ["entered", "file", "library", "statutory"],
    "conflicts.method.": ["aliyun", "dev", "counter", "seed", "review"],
    "conflicts.status.": ["moved", "kept"],
}
SHARED = ("task_status.", "ticket_status.", "ticket_kind.", "urgency.")
# the texts a clerk writes: label and hint per action that asks for one
FAMILY_SUFFIXES = {"action.": ["", ".reason", ".hint"], "ticket.": ["", ".text", ".hint"]}
# actions that ask for no text
NO_TEXT = {"accept", "complete", "acknowledge"}


def used_keys() -> set[str]:
    keys: set[str] = set()
    # the console's own modules and the ones it shares with the citizen app
    paths = [*(web_root() / "counter").rglob("*.js"), *(web_root() / "shared").rglob("*.js")]
    for path in paths:
        for key, built in _KEY.findall(path.read_text()):
            if not built:
                keys.add(key)
                continue
            assert key in FAMILIES, f"{path.name}: key family {key!r} is not listed here"
            for value in FAMILIES[key]:
                for suffix in FAMILY_SUFFIXES.get(key, [""]):
                    if suffix and value in NO_TEXT:
                        continue
                    keys.add(f"{key}{value}{suffix}")
    return keys


def test_every_key_the_console_uses_is_in_every_catalog() -> None:
    keys = used_keys()
    assert "queue.title" in keys and "action.refuse.reason" in keys
    missing = [
        f"{language}: {key}"
        for language in LANGUAGES
        for key in sorted(keys)
        if not has_message(f"counter.{key}", language)
        and not (key.startswith(SHARED) and has_message(key, language))
    ]
    assert missing == []


async def test_the_console_page_its_modules_and_strings(client: AsyncTestClient[Any]) -> None:
    page = await client.get("/counter/", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script type="module" src="/counter/main.js">' in page.text
    modules: set[str] = set()
    _modules_of("/counter/main.js", modules)
    # the vendored modules are the citizen app's, not a copy; the core both apps run is one
    # folder, shared/, and the console imports nothing of the citizen app's own
    assert "/vendor/preact-11.2.0/preact.mjs" in modules
    assert {"/shared/store.js", "/shared/api.js", "/shared/i18n.js"} <= modules
    assert not any(p.startswith("/app/") for p in modules)
    assert not any(p.startswith("/counter/vendor") for p in site())
    for path in sorted(modules):
        response = await client.get(path)
        assert response.status_code == 200, path
    for language in LANGUAGES:
        body = (await client.get(f"/counter/i18n/{language}")).json()
        assert body["normal"]["queue.title"] == translate("counter.queue.title", language)
        assert "login.phone" in body["normal"] and "nav.home" not in body["normal"]
    assert (await client.get("/counter/i18n/fr")).status_code == 404
    assert (await client.get("/counter/nope.js")).status_code == 404
