"""Client addresses: forwarding headers count only from the proxies named in settings."""

from __future__ import annotations

import pytest

from doorstep.domain.network import client_ip, parse_networks, within

TRUSTED = parse_networks(("10.0.0.0/8", "fdaa::/16"))


def test_without_trusted_proxies_headers_are_ignored() -> None:
    """X-Forwarded-For from loopback once chose the address."""
    spoof = {"x-forwarded-for": "203.0.113.7", "fly-client-ip": "203.0.113.8"}
    assert client_ip("127.0.0.1", spoof, ()) == "127.0.0.1"
    assert client_ip("127.0.0.1", spoof, (), "fly-client-ip") == "127.0.0.1"
    # a caller that is not one of the proxies cannot choose either
    assert client_ip("198.51.100.4", spoof, TRUSTED, "fly-client-ip") == "198.51.100.4"
    assert client_ip("198.51.100.4", spoof, TRUSTED) == "198.51.100.4"


def test_a_trusted_proxy_names_the_client() -> None:
    assert client_ip("10.1.2.3", {"fly-client-ip": "203.0.113.8"}, TRUSTED, "fly-client-ip") == (
        "203.0.113.8"
    )
    assert client_ip("fdaa::3", {"x-forwarded-for": "203.0.113.7"}, TRUSTED) == "203.0.113.7"


def test_forwarded_for_is_read_from_the_right() -> None:
    """The client writes the left part; only hops our proxies added count."""
    headers = {"x-forwarded-for": "1.1.1.1, 203.0.113.7, 10.0.0.5"}
    assert client_ip("10.0.0.9", headers, TRUSTED) == "203.0.113.7"
    assert client_ip("10.0.0.9", {"x-forwarded-for": "garbage"}, TRUSTED) == "10.0.0.9"
    assert client_ip("10.0.0.9", {}, TRUSTED) == "10.0.0.9"
    assert client_ip("10.0.0.9", {"x-forwarded-for": "10.0.0.1"}, TRUSTED) == "10.0.0.9"


def test_a_bad_header_value_falls_back_to_the_peer() -> None:
    headers = {"fly-client-ip": "not-an-address" + "x" * 100}
    assert client_ip("10.1.2.3", headers, TRUSTED, "fly-client-ip") == "10.1.2.3"


def test_networks() -> None:
    assert within("10.3.4.5", TRUSTED) and within("::ffff:10.3.4.5", TRUSTED)
    assert not within("11.3.4.5", TRUSTED) and not within(None, TRUSTED)
    assert not within("testclient", TRUSTED)
    with pytest.raises(ValueError, match=r"10\.0\.0\.300"):
        parse_networks(("10.0.0.300",))
