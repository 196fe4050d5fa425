"""What a material file may be: its type told by its first bytes, never by what the uploader
declares, and its size bounded.

Three signatures are checked by hand rather than through a sniffing library: JPEG, PNG and PDF
are all we accept, and each is a fixed prefix.
"""

from __future__ import annotations

from doorstep.domain.errors import InvalidInput

MAX_FILE_BYTES = 10 * 1024 * 1024
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
MEDIA_TYPES = tuple(media for _sig, media in _SIGNATURES)


def sniff(content: bytes) -> str | None:
    """The media type the content's first bytes show, or None when it is none we accept."""
    for signature, media_type in _SIGNATURES:
        if content.startswith(signature):
            return media_type
    return None


def check_upload(content: bytes, declared: str | None, limit: int = MAX_FILE_BYTES) -> str:
    """The file's media type, or a refusal: empty, too large, a type we do not take, or content
    that is not what was declared (a renamed executable, a PDF called a photo)."""
    if not content:
        raise InvalidInput("file.empty")
    if len(content) > limit:
        raise InvalidInput("file.too_large", limit_mb=limit // (1024 * 1024))
    found = sniff(content)
    if found is None:
        raise InvalidInput("file.type_not_accepted")
    wanted = (declared or "").split(";")[0].strip().lower()
    if wanted and wanted != found:
        raise InvalidInput("file.type_mismatch")
    return found
