"""The origin allow-list: what the setting accepts, and which WebSocket upgrades may go on."""

from __future__ import annotations

import pytest

from doorstep.config import parse_origins
from doorstep.live.connection import origin_allowed


def test_origins_are_parsed_and_normalised() -> None:
    assert parse_origins("") == ()
    assert parse_origins(
        " https://App.example.cn/ , http://localhost:5173,https://app.example.cn"
    ) == (
        "https://app.example.cn",
        "http://localhost:5173",
    )


@pytest.mark.parametrize(
    "raw",
    [
        "*",
        "https://*.example.cn",
        "app.example.cn",
        "https://a.cn/path",
        "ftp://a.cn",
        "https://user@a.cn",
        "https://a.cn?x=1",
    ],
)
def test_anything_but_an_origin_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="DOORSTEP_CORS_ORIGINS"):
        parse_origins(raw)


def settings(*origins: str) -> tuple[str, ...]:
    return origins


def test_websocket_origins() -> None:
    s = settings("https://app.example.cn")
    host = {"host": "api.example.cn"}
    # a browser on our own host, or on an allowed origin
    assert origin_allowed(s, {**host, "origin": "https://api.example.cn"})
    assert origin_allowed(s, {**host, "origin": "https://APP.example.cn/"})
    # a page on any other site: cross-site WebSocket hijacking
    assert not origin_allowed(s, {**host, "origin": "https://evil.example.com"})
    assert not origin_allowed(s, {**host, "origin": "null"})
    assert not origin_allowed(settings(), {**host, "origin": "https://app.example.cn"})
    # not a browser: its token says who it is
    assert origin_allowed(s, host)
