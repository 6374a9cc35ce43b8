"""Content-Encoding undone with a bound: no layer ever makes more than `limit` bytes.

httpx decodes every layer of `Content-Encoding: gzip, gzip` in full, chunk by chunk:
one network read of a few hundred bytes can expand a million times over before the
caller sees a byte. Here the raw body goes through zlib decompressors asked for at
most what is left of the limit (`max_length`), layer after layer, so a bomb of any
depth costs `limit` bytes of memory at most and is refused (`TooLarge`) as soon as
it passes it. tracker asks for gzip and deflate only; a server that answers with
anything else gets `Undecodable`.
"""

from __future__ import annotations

import zlib
from typing import Any

SUPPORTED = ("gzip", "x-gzip", "deflate", "identity")
ACCEPTED = "gzip, deflate"  # the Accept-Encoding to send: what is undone here, nothing more


class TooLarge(Exception):
    """The decoded body passed the limit."""


class Undecodable(Exception):
    """An encoding tracker did not ask for, or a stream zlib cannot read."""


class _Deflate:
    """`deflate` as servers send it: zlib-wrapped, as the RFC says, or raw."""

    def __init__(self) -> None:
        self._inner: Any = zlib.decompressobj()
        self._first = True

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._first:
            self._first = False
            try:
                return bytes(self._inner.decompress(data, max_length))
            except zlib.error:
                self._inner = zlib.decompressobj(-zlib.MAX_WBITS)
        return bytes(self._inner.decompress(data, max_length))

    @property
    def unconsumed_tail(self) -> bytes:
        return bytes(self._inner.unconsumed_tail)


class BoundedDecoder:
    """Undo `Content-Encoding` (its value as sent: the encodings in the order they were
    applied), never holding more than `limit` decoded bytes at any layer."""

    def __init__(self, content_encoding: str, limit: int):
        names = [name.strip().lower() for name in content_encoding.split(",") if name.strip()]
        unknown = [name for name in names if name not in SUPPORTED]
        if unknown:
            raise Undecodable(f"content encoding {', '.join(unknown)} was not asked for")
        self.limit = limit
        self.size = 0  # decoded bytes given out so far
        # undone in the reverse order of their application: the outermost first
        self._layers: list[Any] = [
            zlib.decompressobj(16 + zlib.MAX_WBITS) if name in ("gzip", "x-gzip") else _Deflate()
            for name in reversed(names)
            if name != "identity"
        ]
        self._made = [0] * len(self._layers)  # bytes each layer has made

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of the next raw chunk. Raises TooLarge past the limit."""
        chunks = [data]
        for index, layer in enumerate(self._layers):
            out: list[bytes] = []
            for chunk in chunks:
                pending = chunk
                while pending:
                    room = self.limit - self._made[index] + 1  # one byte past: the limit is passed
                    try:
                        piece = layer.decompress(pending, room)
                    except zlib.error as error:
                        raise Undecodable(f"the body is not valid {self._name(layer)}: {error}") from None
                    self._made[index] += len(piece)
                    if self._made[index] > self.limit:
                        raise TooLarge(f"decoded past the limit of {self.limit} bytes")
                    out.append(piece)
                    pending = layer.unconsumed_tail
            chunks = out
        body = b"".join(chunks)
        self.size += len(body)
        return body

    @staticmethod
    def _name(layer: Any) -> str:
        return "deflate" if isinstance(layer, _Deflate) else "gzip"
