"""How a capture's body is stored: compressed, and read back byte for byte.

A codec is a word kept beside the bytes (`Capture.codec`):

- `zstd`: zstandard, level 3, no dictionary;
- `zlib-html`: legacy rows from before 0012, the page's HTML as UTF-8, zlib level 1.

Everything here is a pure function of bytes: which dictionary or base a body
needs is the caller's to fetch (`tracker.store.captures`).
"""

from __future__ import annotations

import hashlib
import zlib

import zstandard

ZSTD = "zstd"
LEGACY = "zlib-html"
LEVEL = 3


class CorruptBody(ValueError):
    """A stored body that does not decompress, or not to what its digest says."""


def digest(body: bytes) -> str:
    """The SHA-256 of a body, hex: what `Capture.digest` holds."""
    return hashlib.sha256(body).hexdigest()


def pack(body: bytes) -> tuple[str, bytes]:
    """A body as stored: its codec and compressed bytes."""
    return ZSTD, zstandard.ZstdCompressor(level=LEVEL).compress(body)


def unpack(codec: str, data: bytes) -> bytes:
    """The body that `pack` stored as `data` with `codec`."""
    try:
        if codec == ZSTD:
            return zstandard.ZstdDecompressor().decompress(data)
        if codec == LEGACY:
            return zlib.decompress(data)
    except (zstandard.ZstdError, zlib.error) as error:
        raise CorruptBody(f"a {codec} body does not decompress: {error}") from error
    raise CorruptBody(f"unknown codec {codec!r}")
