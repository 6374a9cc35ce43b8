"""Pages served with status 200 that are not the article (pure).

A challenge, an error or a consent page must never become a version: the check
records a soft error and the next good fetch is compared with the last real
version.
"""

from __future__ import annotations

import re

from tracker.extract import Extraction

_INTERSTITIAL = re.compile(
    r"just a moment|checking your browser|checking if the site connection is secure"
    r"|attention required|access denied|access to this page has been denied"
    r"|please enable (?:javascript|cookies)|are you a (?:robot|human)|verify you are (?:a )?human"
    r"|captcha|request unsuccessful|too many requests|service unavailable|page not found"
    r"|404 not found|site maintenance|before you continue|we value your privacy",
    re.IGNORECASE,
)
MIN_BODY_WORDS_BESIDE_MARKER = 150


def soft_error(extraction: Extraction, html_title: str | None = None) -> str | None:
    """Why this page is not the article, or None when it is."""
    if not extraction.paragraphs:
        return "no article text found on the page"
    words = sum(len(paragraph.split()) for paragraph in extraction.paragraphs)
    for text in (html_title, extraction.headline):
        if text and _INTERSTITIAL.search(text) and words < MIN_BODY_WORDS_BESIDE_MARKER:
            return f"looks like an interstitial page: {text.strip()[:80]!r}"
    if words < 40 and _INTERSTITIAL.search(" ".join(extraction.paragraphs)):
        return "looks like an interstitial page"
    if not extraction.headline:
        return "no headline found on the page"
    return None
