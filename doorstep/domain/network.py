"""Client addresses behind proxies: forwarding headers count only from proxies we name.

A header such as X-Forwarded-For is whatever the sender wrote; only a proxy we run (or our
platform's, e.g. Fly's) overwrites it honestly. So the connecting address is the client unless
it is one of the trusted proxies; then the configured header names the client, or, without one,
X-Forwarded-For read from the right, skipping our own proxies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_ADDRESS_CHARS = 64


@cache
def parse_networks(items: tuple[str, ...]) -> tuple[Network, ...]:
    """CIDRs ("10.0.0.0/8", "fdaa::/16") or single addresses; ValueError names a bad one."""
    networks: list[Network] = []
    for item in items:
        text = item.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"not an address or network: {text!r}") from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    value = text.strip()
    if value.startswith("[") and "]" in value:  # "[::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "1.2.3.4:5678"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def within(address: str | None, networks: Iterable[Network]) -> bool:
    parsed = _address(address) if address else None
    return parsed is not None and any(parsed in network for network in networks)


def is_catch_all(network: Network) -> bool:
    return network.prefixlen == 0


def client_ip(
    peer: str | None,
    headers: Mapping[str, str],
    trusted: tuple[Network, ...],
    header: str = "",
) -> str | None:
    """The client's address: the peer's own, unless the peer is a trusted proxy."""
    if peer is None or not trusted or not within(peer, trusted):
        return peer
    if header:
        named = _address(headers.get(header, "")[:MAX_ADDRESS_CHARS])
        return str(named) if named is not None else peer
    forwarded = headers.get("x-forwarded-for", "")
    # the right-most hop that is not one of ours is the one a trusted proxy saw connect
    for hop in reversed(forwarded.split(",")):
        address = _address(hop[:MAX_ADDRESS_CHARS])
        if address is None:
            return peer
        if not any(address in network for network in trusted):
            return str(address)
    return peer
