"""What browsers need of the API: CORS for the allowed origins, the same list for WebSocket
upgrades, and security headers (with a Content-Security-Policy for the pages we serve)."""

from __future__ import annotations

from litestar.config.cors import CORSConfig
from litestar.types import Message, Scope

from doorstep.config import Settings

# what a browser app sends: the session, the language, acting for someone
CORS_HEADERS = ["authorization", "content-type", "accept-language", "x-acting-for"]
CORS_EXPOSE = ["retry-after"]

# The pages we serve (the citizen app at /, the dev inbox): scripts only from our origin, no
# inline script. Inline styles stay allowed: components set style attributes, and a style
# cannot run code.
PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# GraphiQL (dev only) is strawberry's page: React and GraphiQL from unpkg, an inline script
GRAPHIQL_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://unpkg.com",
        "style-src 'self' 'unsafe-inline' https://unpkg.com",
        "img-src 'self' data:",
        "font-src 'self' data: https://unpkg.com",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
# anything else (JSON, CSV): nothing to load, never framed
API_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"
# the app may ask for the location of a ticket; nothing else
PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"


def cors_config(settings: Settings) -> CORSConfig | None:
    if not settings.cors_origins:
        return None  # same origin only: browsers refuse cross-origin reads without CORS
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST"],
        allow_headers=CORS_HEADERS,
        expose_headers=CORS_EXPOSE,
        # sessions travel as a bearer token, never a cookie
        allow_credentials=False,
        max_age=600,
    )


class SecurityHeaders:
    """Litestar `before_send` hook: every HTTP answer, routed or refused, gets the headers."""

    def __init__(self, settings: Settings) -> None:
        self._hsts = settings.tls_proxy
        self._dev = settings.dev_mode

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers: list[tuple[bytes, bytes]] = list(message.get("headers") or [])
        present = {name.lower() for name, _ in headers}
        content_type = next(
            (value.lower() for name, value in headers if name.lower() == b"content-type"), b""
        )
        html = content_type.startswith(b"text/html")
        # a script may run as a worker (the service worker), and a worker lives under the
        # policy its own script came with: scripts get the page's, or the worker could load
        # nothing at all
        script = b"javascript" in content_type

        def add(name: bytes, value: str) -> None:
            if name not in present:
                headers.append((name, value.encode()))

        add(b"x-content-type-options", "nosniff")
        add(b"referrer-policy", "no-referrer")
        add(b"x-frame-options", "DENY")
        # a 304 has no body to judge by, and its headers replace the cached page's: a JSON
        # policy there would be the page's from then on
        if message.get("status") != 304:
            add(b"content-security-policy", self._csp(scope, html, script))
        add(b"permissions-policy", PERMISSIONS_POLICY)
        if html:
            add(b"cross-origin-opener-policy", "same-origin")
        # personal data, sessions and GraphQL answers are never kept by a browser or a proxy;
        # a route that may be cached (the app's static files) says so itself
        add(b"cache-control", "no-store")
        if self._hsts or scope.get("scheme") == "https":
            add(b"strict-transport-security", HSTS)
        message["headers"] = headers

    def _csp(self, scope: Scope, html: bool, script: bool) -> str:
        if script:
            return PAGE_CSP
        if not html:
            return API_CSP
        if self._dev and scope.get("path") == "/graphql":
            return GRAPHIQL_CSP
        return PAGE_CSP
