"""Capture bodies (`tracker.store.bodies`): every codec gives back the bytes it was
given, byte for byte, and damaged or orphaned data is a `CorruptBody`, never other bytes."""

from __future__ import annotations

import random
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.store import bodies


def _pages(count: int, seed: int = 5) -> list[bytes]:
    """Pages of one made-up site: the same chrome, different stories."""
    rng = random.Random(seed)
    words = [f"word{n}" for n in range(400)]
    fixed = random.Random(1)  # the site's chrome: the same on every page, little repeated within one
    chrome = "".join(
        f'<li class="{fixed.getrandbits(40):x}"><a href="/{fixed.getrandbits(64):x}">x</a>'
        for _ in range(150)
    )
    pages = []
    for number in range(count):
        story = " ".join(rng.choice(words) for _ in range(300))
        pages.append(
            f"<html><head><title>{number}</title></head><body><ul>{chrome}</ul><p>{story}</p>".encode()
        )
    return pages


PAGES = _pages(12)
DICTIONARY = bodies.train(PAGES[:8], 16 * 1024)


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=20_000), base=st.binary(max_size=5_000))
def test_every_codec_gives_back_the_bytes_it_was_given(body: bytes, base: bytes) -> None:
    for options in ({}, {"dictionary": DICTIONARY}, {"base": base}):
        codec, data = bodies.pack(body, **options)
        assert bodies.unpack(codec, data, **options) == body, codec
    assert bodies.unpack(bodies.LEGACY, zlib.compress(body, 1)) == body


def test_the_codec_says_what_a_body_needs() -> None:
    assert bodies.pack(PAGES[9])[0] == bodies.ZSTD
    assert bodies.pack(PAGES[9], dictionary=DICTIONARY)[0] == bodies.DICT
    assert bodies.pack(PAGES[9], base=PAGES[8], dictionary=DICTIONARY)[0] == bodies.DELTA


def test_a_dictionary_and_a_delta_store_a_page_of_the_site_in_less() -> None:
    page = PAGES[10]
    plain = len(bodies.pack(page)[1])
    with_dictionary = len(bodies.pack(page, dictionary=DICTIONARY)[1])
    edited = page.replace(b"word1 ", b"word2 ", 3)
    delta = len(bodies.pack(edited, base=page)[1])
    assert with_dictionary < plain * 0.9
    assert delta < plain / 10


@pytest.mark.parametrize("codec", [bodies.ZSTD, bodies.DICT, bodies.DELTA, bodies.LEGACY])
def test_damaged_data_is_a_corrupt_body(codec: str) -> None:
    options = (
        {"dictionary": DICTIONARY}
        if codec == bodies.DICT
        else {"base": PAGES[0]}
        if codec == bodies.DELTA
        else {}
    )
    data = zlib.compress(PAGES[1], 1) if codec == bodies.LEGACY else bodies.pack(PAGES[1], **options)[1]
    damaged = bytearray(data)
    damaged[len(damaged) // 2] ^= 0xFF
    with pytest.raises(bodies.CorruptBody, match=codec):
        bodies.unpack(codec, bytes(damaged), **options)
    with pytest.raises(bodies.CorruptBody):
        bodies.unpack(codec, data[: len(data) // 2], **options)


def test_a_body_read_without_what_it_was_packed_with_is_a_corrupt_body() -> None:
    codec, data = bodies.pack(PAGES[2], base=PAGES[1])
    with pytest.raises(bodies.CorruptBody, match="needs its base"):
        bodies.unpack(codec, data)
    with pytest.raises(bodies.CorruptBody):
        bodies.unpack(codec, data, base=PAGES[3])  # another base: the checksum says so
    codec, data = bodies.pack(PAGES[2], dictionary=DICTIONARY)
    with pytest.raises(bodies.CorruptBody, match="needs its dictionary"):
        bodies.unpack(codec, data)
    with pytest.raises(bodies.CorruptBody, match="unknown codec"):
        bodies.unpack("brotli", data)


def test_the_retention_setting_is_keep_a_duration_or_a_warc_directory() -> None:
    from datetime import timedelta
    from pathlib import Path

    from pydantic import ValidationError

    from tracker.config import DatabaseConfig

    assert DatabaseConfig().drop_after is None and DatabaseConfig().warc_directory is None
    assert DatabaseConfig(raw_html="90d").drop_after == timedelta(days=90)
    moving = DatabaseConfig(raw_html="warc:/var/archive", raw_html_after="7d")
    assert moving.warc_directory == Path("/var/archive") and moving.drop_after == timedelta(days=7)
    for wrong in ("forever", "warc:", "90 days"):
        with pytest.raises(ValidationError, match="keep, a duration"):
            DatabaseConfig(raw_html=wrong)
