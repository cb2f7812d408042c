"""Pure rules of attachments (附件): owner kinds, accepted content types, file names in and
out of HTTP headers, and checksums. No I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum
from urllib.parse import quote, unquote


class OwnerKind(StrEnum):
    """The records a file may be attached to (each belongs to one account)."""

    ACCOUNT = "account"
    CONTRACT = "contract"
    VISIT = "visit"
    TICKET = "ticket"
    OPPORTUNITY = "opportunity"
    BID = "bid"


class AttachmentStorageKind(StrEnum):
    """Where the bytes of attachments are kept."""

    POSTGRES = "postgres"
    S3 = "s3"


MAX_FILE_NAME = 255
SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def media_type(value: str | None) -> str:
    """``text/plain; charset=utf-8`` → ``text/plain`` (lower case; "" for none)."""
    return (value or "").split(";", 1)[0].strip().lower()


def content_type_allowed(value: str, allowed: Iterable[str]) -> bool:
    """Whether media type ``value`` is one of ``allowed`` (``image/*`` takes every image)."""
    kind = media_type(value)
    if not _TOKEN.match(kind):
        return False
    family = kind.split("/", 1)[0] + "/*"
    return any(media_type(a) in (kind, family) for a in allowed)


_EDGES = re.compile(r"^[\s.]+|[\s.]+$")
"""Spaces and dots at either end, in any order (". 0" is "0": cleaning is idempotent)."""


def clean_file_name(name: str) -> str:
    """A stored file name: the last path segment of what the client sent, without control
    characters, normalised (NFC), at most :data:`MAX_FILE_NAME` characters keeping the
    extension; "file" when nothing is left."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = _EDGES.sub("", "".join(c for c in name if unicodedata.category(c)[0] != "C"))
    if not name:
        return "file"
    if len(name) > MAX_FILE_NAME:
        _stem, dot, ext = name.rpartition(".")
        keep = f"{dot}{ext}" if dot and len(ext) <= 16 else ""
        name = _EDGES.sub("", name[: MAX_FILE_NAME - len(keep)] + keep)
    return name


def part_file_name(params: dict[bytes, bytes], raw: bytes) -> str | None:
    """The file name of a multipart part from its ``Content-Disposition``: ``filename*``
    (RFC 5987, ``UTF-8''…``) when given, else ``filename`` as browsers and httpx send it
    (raw UTF-8, with ``"``, CR and LF percent-encoded as HTML's form encoding does)."""
    extended = re.search(rb"filename\*\s*=\s*([^;]+)", raw, re.IGNORECASE)
    if extended:
        value = extended.group(1).strip().strip(b'"').decode("latin-1")
        charset, _, rest = value.partition("'")
        _, _, encoded = rest.partition("'")
        try:
            return unquote(encoded, encoding=charset or "utf-8", errors="strict")
        except (LookupError, UnicodeDecodeError):
            return None
    plain = params.get(b"filename")
    if plain is None:
        return None
    text = plain.decode("utf-8", errors="replace")
    return text.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")


def ascii_fallback(name: str) -> str:
    """The ``filename=`` of a download for clients that do not read ``filename*``: the name
    with accents dropped and every other non-ASCII run, quote or backslash as ``_``, keeping
    the extension (``合同扫描件.pdf`` → ``_.pdf``)."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    fallback = re.sub(r'[^\x20-\x7e]+|["\\%]', "_", ascii_only).strip()
    return fallback or "file"


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """``Content-Disposition`` for a download (RFC 6266): an ASCII ``filename`` for old
    clients and ``filename*=UTF-8''…`` (RFC 5987 percent-encoding) with the real name."""
    return (
        f'{disposition}; filename="{ascii_fallback(name)}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def checksum_matches(sent: str, computed: str) -> bool:
    """Whether a client's SHA-256 (hex, any case) is the one computed."""
    return sent.strip().lower() == computed.lower()
