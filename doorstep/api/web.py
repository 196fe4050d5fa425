"""The reference apps' static files (doorstep/web/), and the app's strings from the catalogs.

Files are read once at start-up, with a gzip copy made then, so a request costs a dict look-up:
no build step, no Node, no compression per request. Vendored modules live in folders named by
version, so they may be cached for a year; everything else is revalidated by ETag each time
(the service worker keeps the offline copy).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException

from doorstep.i18n import ELDER_CONTEXT, LANGUAGES, entries, normalize_language

APP_KEY_PREFIX = "app."
# labels the API names only by enum value (a form's choices): served whole, under their own key
SHARED_PREFIXES = ("ticket_kind.", "urgency.", "rating.", "theme.")
COUNTER_KEY_PREFIX = "counter."
# the staff console names statuses by the same labels the API gives them
COUNTER_SHARED_PREFIXES = (*SHARED_PREFIXES, "task_status.", "ticket_status.")
# what may be served: anything else in the folder (VENDOR.json, licences) stays private
# text/* types without a charset: Litestar's Response adds "; charset=utf-8" to them itself
TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# not worth a gzip copy: already compressed
_COMPRESSED = {".png"}
_MIN_GZIP = 512
REVALIDATE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str
    cache_control: str


def _asset(body: bytes, suffix: str, cache_control: str) -> Asset:
    gz = None
    if suffix not in _COMPRESSED and len(body) >= _MIN_GZIP:
        # mtime=0: the same bytes on every start and every process, so one ETag fits all
        candidate = gzip.compress(body, compresslevel=9, mtime=0)
        gz = candidate if len(candidate) < len(body) else None
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Asset(body, gz, TYPES[suffix], etag, cache_control)


def web_root() -> Path:
    return Path(str(resources.files("doorstep") / "web"))


_loaded: tuple[float, dict[str, Asset]] | None = None
_watch = False


def watch_files(on: bool) -> None:
    """Dev: notice edited files (checked by modification time on each request)."""
    global _watch
    _watch = on


def _newest(root: Path) -> float:
    return max((p.stat().st_mtime for p in root.rglob("*") if p.is_file()), default=0.0)


def site() -> dict[str, Asset]:
    """URL path -> asset, for every servable file of doorstep/web/ (read once; in dev again
    after an edit)."""
    global _loaded
    root = web_root()
    if _loaded is not None and not (_watch and _newest(root) != _loaded[0]):
        return _loaded[1]
    stamp = _newest(root)
    assets: dict[str, Asset] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in TYPES or path.name == "VENDOR.json":
            continue
        relative = path.relative_to(root).as_posix()
        cache_control = IMMUTABLE if relative.startswith("vendor/") else REVALIDATE
        # each app's page is its folder's URL: the citizen app at /, the staff console at
        # /counter/
        url = "/" + relative.removesuffix("index.html")
        assets[url] = _asset(path.read_bytes(), path.suffix, cache_control)
    _loaded = (stamp, assets)
    return assets


def respond(request: Request[Any, Any, Any], asset: Asset) -> Response[bytes]:
    headers = {
        "Cache-Control": asset.cache_control,
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if asset.etag in (request.headers.get("if-none-match") or ""):
        return Response(b"", status_code=304, headers=headers)
    body = asset.body
    accept = request.headers.get("accept-encoding") or ""
    if asset.gzipped is not None and "gzip" in accept:
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=asset.content_type, headers=headers)


@cache
def app_strings(language: str, own: str = APP_KEY_PREFIX) -> bytes:
    """The app's keys (`app.*`; the staff console's `counter.*`), and the enum labels of
    SHARED_PREFIXES, with their elder variants, as JSON: {"normal": {}, "elder": {}}.

    The catalogs are the one source: the app fetches these instead of carrying its own copy.
    A key missing in a language falls back to zh_Hans, as `translate` does.
    """
    normal: dict[str, str] = {}
    elder: dict[str, str] = {}
    shared = SHARED_PREFIXES if own == APP_KEY_PREFIX else COUNTER_SHARED_PREFIXES
    for lang in dict.fromkeys(("zh_Hans", language)):
        for prefix in (own, *shared):
            for (context, key), text in entries(lang, prefix).items():
                short = key.removeprefix(own)
                if context is None:
                    normal[short] = text
                elif context == ELDER_CONTEXT:
                    elder[short] = text
    body = {"language": language, "normal": normal, "elder": elder}
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode()


@get("/", include_in_schema=False, sync_to_thread=False)
def app_index(request: Request[Any, Any, Any]) -> Response[bytes]:
    return respond(request, site()["/"])


def _serve(request: Request[Any, Any, Any], url: str) -> Response[bytes]:
    asset = site().get(url)
    if asset is None:
        raise NotFoundException()
    return respond(request, asset)


# the service worker and the manifest sit at the root: a worker's scope is its own folder
@get(["/sw.js", "/manifest.webmanifest"], include_in_schema=False, sync_to_thread=False)
def app_root_file(request: Request[Any, Any, Any]) -> Response[bytes]:
    return _serve(request, request.url.path)


# shared/: the modules the citizen app and the staff console both import
@get(
    ["/app/{path:path}", "/shared/{path:path}", "/vendor/{path:path}"],
    include_in_schema=False,
    sync_to_thread=False,
)
def app_file(request: Request[Any, Any, Any], path: str) -> Response[bytes]:
    return _serve(request, request.url.path)


@get("/counter/", include_in_schema=False, sync_to_thread=False)
def counter_index(request: Request[Any, Any, Any]) -> Response[bytes]:
    return respond(request, site()["/counter/"])


@get("/i18n/{language:str}", include_in_schema=False, sync_to_thread=False)
def app_i18n(request: Request[Any, Any, Any], language: str) -> Response[bytes]:
    return respond(request, _strings_asset(_language(language), APP_KEY_PREFIX))


@get("/counter/i18n/{language:str}", include_in_schema=False, sync_to_thread=False)
def counter_i18n(request: Request[Any, Any, Any], language: str) -> Response[bytes]:
    return respond(request, _strings_asset(_language(language), COUNTER_KEY_PREFIX))


@get("/counter/{path:path}", include_in_schema=False, sync_to_thread=False)
def counter_file(request: Request[Any, Any, Any], path: str) -> Response[bytes]:
    return _serve(request, request.url.path)


def _language(raw: str) -> str:
    code = normalize_language(raw.removesuffix(".json"))
    if code is None or code not in LANGUAGES:
        raise NotFoundException()
    return code


@cache
def _strings_asset(language: str, own: str) -> Asset:
    return _asset(app_strings(language, own), ".json", REVALIDATE)


ROUTES = [app_index, app_root_file, app_file, app_i18n, counter_index, counter_i18n, counter_file]
