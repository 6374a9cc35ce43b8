"""The extractor stamp a version carries: what extracted its fields, so that a
history made by an older extractor can be found and derived again
(`tracker reextract`).

`tracker` and `trafilatura` are the two packages' versions; `code` is a hash of
the extraction code itself (this package and the text normalization), which
changes whenever extraction may, between releases too; `rules` is a hash of the
site rules in force for the page (config.yaml's `sites`), or None without any.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata
from pathlib import Path
from typing import Any

import tracker
from tracker.extraction.page import SiteRules

_CODE = (
    *sorted(Path(__file__).parent.glob("*.py")),
    Path(tracker.__file__).parent / "core" / "normalize.py",
)


@functools.cache
def code_hash() -> str:
    """A hash of the extraction code's source, 12 hex digits."""
    digest = hashlib.sha256()
    for path in _CODE:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def rules_hash(rules: SiteRules | None) -> str | None:
    """A hash of a page's site rules, 12 hex digits, or None without any."""
    if rules is None or not (rules.drop or rules.keep):
        return None
    text = "\n".join(("drop", *rules.drop, "keep", *rules.keep))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def stamp(rules: SiteRules | None) -> dict[str, Any]:
    """The extractor stamp of a page extracted now under `rules`."""
    return {
        "tracker": tracker.__version__,
        "trafilatura": _version("trafilatura"),
        "code": code_hash(),
        "rules": rules_hash(rules),
    }


@functools.cache
def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"
