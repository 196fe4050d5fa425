"""The origin allow-list: what the setting accepts, and which WebSocket upgrades may go on."""

from __future__ import annotations

import dataclasses

import pytest

from doorstep.api.browser import origin_allowed
from doorstep.config import Settings, parse_origins


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


def settings(*origins: str) -> Settings:
    base = Settings(
        database_url="", redis_url="", dev_mode=True, data_key=b"k" * 32, index_key=b"i" * 32
    )
    return dataclasses.replace(base, cors_origins=origins)


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
