"""How a capture's body is stored: compressed, and read back byte for byte.

A codec is a word kept beside the bytes (`Capture.codec`):

- `zstd`: zstandard, level 3, no dictionary (a host's first pages, before it has one);
- `zstd-dict`: zstandard with the host's trained dictionary (`Capture.dictionary_id`):
  the markup every page of a site shares is in the dictionary, not in each body;
- `zstd-delta`: zstandard with another capture's body (`Capture.base_id`, the article's
  key capture) as a raw-content dictionary: a later fetch of the same article stores
  little more than what changed;
- `zlib-html`: legacy rows from before 0012, the page's HTML as UTF-8, zlib level 1.

The zstd codecs write zstd's content checksum, so that a damaged body is an error, not
other bytes. Everything here is a pure function of bytes: which dictionary or base a
body needs is the caller's to fetch (`tracker.store.captures`).
"""

from __future__ import annotations

import hashlib
import zlib
from functools import lru_cache

import zstandard

ZSTD = "zstd"
DICT = "zstd-dict"
DELTA = "zstd-delta"
LEGACY = "zlib-html"
CODECS = (ZSTD, DICT, DELTA, LEGACY)
LEVEL = 3
PIECE = 16 * 1024


class CorruptBody(ValueError):
    """A stored body that does not decompress, or not to what its digest says."""


def digest(body: bytes) -> str:
    """The SHA-256 of a body, hex: what `Capture.digest` holds."""
    return hashlib.sha256(body).hexdigest()


def pack(body: bytes, *, dictionary: bytes | None = None, base: bytes | None = None) -> tuple[str, bytes]:
    """A body as stored: its codec and compressed bytes. With `base` (the body of the
    capture it is a delta against), a delta; else with `dictionary` (a trained zstd
    dictionary's bytes), compressed with it; else plain zstd."""
    if base is not None:
        return DELTA, _compressor(_raw(base)).compress(body)
    if dictionary is not None:
        return DICT, _compressor(_trained(dictionary)).compress(body)
    return ZSTD, _compressor(None).compress(body)


def unpack(codec: str, data: bytes, *, dictionary: bytes | None = None, base: bytes | None = None) -> bytes:
    """The body that `pack` stored as `data` with `codec` (and the same dictionary or base)."""
    try:
        if codec == ZSTD:
            return zstandard.ZstdDecompressor().decompress(data)
        if codec == DICT:
            return zstandard.ZstdDecompressor(dict_data=_trained(_needed(codec, dictionary))).decompress(data)
        if codec == DELTA:
            return zstandard.ZstdDecompressor(dict_data=_raw(_needed(codec, base))).decompress(data)
        if codec == LEGACY:
            return zlib.decompress(data)
    except (zstandard.ZstdError, zlib.error) as error:
        raise CorruptBody(f"a {codec} body does not decompress: {error}") from error
    raise CorruptBody(f"unknown codec {codec!r}")


def train(samples: list[bytes], size: int) -> bytes:
    """A zstd dictionary of at most `size` bytes trained on a host's bodies, cut in
    pieces of `PIECE` bytes (zstd's trainer wants many samples, a host's first pages are
    few and large)."""
    pieces: list[bytes | bytearray | memoryview] = [
        sample[start : start + PIECE] for sample in samples for start in range(0, len(sample), PIECE)
    ]
    return zstandard.train_dictionary(size, pieces, level=LEVEL).as_bytes()


def _needed(codec: str, data: bytes | None) -> bytes:
    if data is None:
        raise CorruptBody(f"a {codec} body needs its {'base' if codec == DELTA else 'dictionary'}, gone")
    return data


def _compressor(dictionary: zstandard.ZstdCompressionDict | None) -> zstandard.ZstdCompressor:
    return zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionary, write_checksum=True)


@lru_cache(maxsize=64)
def _trained(data: bytes) -> zstandard.ZstdCompressionDict:
    """A trained dictionary, loaded once per process (its tables cost more than a page)."""
    return zstandard.ZstdCompressionDict(data, dict_type=zstandard.DICT_TYPE_FULLDICT)


def _raw(data: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(data, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
