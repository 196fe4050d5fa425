"""GeoReport v2 bodies in both formats: JSON, and XML as the spec's own examples show it (a
root element, one element per item, lists wrapped in their plural, UTF-8 with a declaration).

Written with the standard library's ElementTree (it escapes text); nothing here parses XML.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from litestar.response import Response

from doorstep.domain.errors import NotFound

JSON = "json"
XML = "xml"
FORMATS = (JSON, XML)
_MEDIA_TYPES = {JSON: "application/json", XML: "text/xml"}
# a list's element name -> each item's
_ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def split_name(name: str) -> tuple[str, str]:
    """`heating.xml` -> (`heating`, `xml`); any other format is not offered."""
    stem, dot, fmt = name.rpartition(".")
    if not dot or not stem or fmt not in FORMATS:
        raise NotFound("open311.format_unsupported")
    return stem, fmt


def format_of(path: str) -> str:
    """The format a route registered for both `.json` and `.xml` was called with."""
    return XML if path.endswith(".xml") else JSON


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ElementTree.Element, name: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _append(element, _ITEM_NAMES[name], item)
    else:
        element.text = _text(value)


def to_xml(root: str, body: list[Any] | dict[str, Any]) -> bytes:
    """`root` holding `body`: a list becomes one element per item, a dict one per key."""
    element = ElementTree.Element(root)
    if isinstance(body, list):
        for item in body:
            _append(element, _ITEM_NAMES[root], item)
    else:
        for key, value in body.items():
            _append(element, key, value)
    return _DECLARATION + ElementTree.tostring(element, encoding="unicode").encode()


def respond(
    fmt: str,
    root: str,
    body: list[Any] | dict[str, Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    """`body` as JSON, or as XML under `root`."""
    content: Any = to_xml(root, body) if fmt == XML else body
    return Response(
        content,
        status_code=status_code,
        media_type=_MEDIA_TYPES[fmt],
        headers=headers or {},
    )
