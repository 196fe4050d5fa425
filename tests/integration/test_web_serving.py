"""The citizen app served by the backend: content types, gzip, caching, the manifest, the
strings from the catalogs, and the first-load budget measured from the served bytes."""

from __future__ import annotations

import json
import re
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.api.web import site
from doorstep.i18n import LANGUAGES, translate

BUDGET_BYTES = 150 * 1024


async def test_index_and_files_have_their_types_and_cache_rules(
    client: AsyncTestClient[Any],
) -> None:
    index = await client.get("/", headers={"accept-encoding": "gzip"})
    assert index.status_code == 200
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert index.headers["cache-control"] == "no-cache"
    assert '<script type="module" src="/app/main.js">' in index.text
    js = await client.get("/app/main.js")
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    vendor = await client.get("/vendor/preact-11.2.0/preact.mjs")
    assert vendor.headers["content-type"].startswith("text/javascript")
    assert "immutable" in vendor.headers["cache-control"]
    sw = await client.get("/sw.js")
    assert sw.headers["content-type"].startswith("text/javascript")
    png = await client.get("/app/icons/icon-192.png")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")


async def test_gzip_when_asked_and_304_on_a_matching_etag(client: AsyncTestClient[Any]) -> None:
    raw = await client.get("/app/main.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in raw.headers
    zipped = await client.get("/app/main.js", headers={"accept-encoding": "gzip, br"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.text == raw.text  # httpx decodes it
    again = await client.get("/app/main.js", headers={"if-none-match": raw.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_unknown_files_and_private_ones_are_404_json(client: AsyncTestClient[Any]) -> None:
    for path in ("/app/nope.js", "/vendor/VENDOR.json", "/vendor/preact-11.2.0/LICENSE", "/x"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


async def test_manifest_names_the_app_and_its_icons_exist(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/manifest.webmanifest")
    assert response.headers["content-type"] == "application/manifest+json"
    manifest = json.loads(response.text)
    assert manifest["name"] == "掌上办"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] and manifest["start_url"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert (await client.get(icon["src"])).status_code == 200, icon["src"]


async def test_strings_come_from_the_catalogs_in_each_language(
    client: AsyncTestClient[Any],
) -> None:
    for language in LANGUAGES:
        response = await client.get(f"/i18n/{language}")
        assert response.status_code == 200
        body = response.json()
        assert body["language"] == language
        assert body["normal"]["login.phone"] == translate("app.login.phone", language)
        assert body["elder"]["read_aloud"] == translate("app.read_aloud", language, elder=True)
        assert "error.phone.invalid" not in body["normal"]  # only the app's keys
    assert (await client.get("/i18n/fr")).status_code == 404


def _modules_of(path: str, seen: set[str]) -> None:
    """The static import graph of a module, as the browser loads it on first paint."""
    if path in seen:
        return
    seen.add(path)
    text = site()[path].body.decode()
    for spec in re.findall(r"""(?:from|import)\s*['"]([^'"]+)['"]""", text):
        if spec.startswith("."):
            base = path.rsplit("/", 1)[0]
            parts: list[str] = []
            for part in f"{base}/{spec}".split("/"):
                if part == "..":
                    parts.pop()
                elif part not in (".", ""):
                    parts.append(part)
            _modules_of("/" + "/".join(parts), seen)


def first_load_paths() -> set[str]:
    index = site()["/"].body.decode()
    paths = {"/", "/i18n/zh_Hans", *re.findall(r'(?:href|src)="(/[^"]+)"', index)}
    modules: set[str] = set()
    _modules_of("/app/main.js", modules)
    return paths | modules


async def test_first_load_fits_the_budget_compressed(client: AsyncTestClient[Any]) -> None:
    total = 0
    paths = first_load_paths()
    assert "/vendor/graphql-ws-6.4.2/client.js" in paths  # the import graph was followed
    for path in sorted(paths):
        response = await client.get(path, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, path
        total += int(response.headers.get("content-length") or len(response.content))
    print(f"first load: {len(paths)} files, {total} bytes compressed")
    assert total <= BUDGET_BYTES


def test_the_service_worker_caches_every_first_load_file() -> None:
    sw = site()["/sw.js"].body.decode()
    shell = set(re.findall(r"'(/[^']*)'", sw.split("];")[0]))
    missing = {p for p in first_load_paths() if p != "/app/icons/icon.svg"} - shell
    assert not missing
    assert all(path in site() or path.startswith("/i18n/") for path in shell)


def test_the_service_worker_caches_every_screen_of_the_app() -> None:
    # screens load lazily, so the first load misses some; offline each must still open, and
    # so must the modules the app shares with the staff console
    sw = site()["/sw.js"].body.decode()
    shell = set(re.findall(r"'(/[^']*)'", sw.split("];")[0]))
    app = {p for p in site() if p.startswith(("/app/", "/shared/")) and p.endswith((".js", ".css"))}
    assert "/shared/store.js" in app
    assert app - shell == set()


def test_the_page_preloads_exactly_the_first_load_modules() -> None:
    # one level of imports per round trip otherwise: on slow 4G each level costs ~150 ms
    index = site()["/"].body.decode()
    preloaded = set(re.findall(r'<link rel="modulepreload" href="(/[^"]+)">', index))
    modules: set[str] = set()
    _modules_of("/app/main.js", modules)
    assert preloaded == modules
