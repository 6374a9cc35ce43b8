"""Pages served with status 200 that are not the article (pure).

A challenge, an error or a consent page must never become a version: the check
records a soft error and the next good fetch is compared with the last real
version.
"""

from __future__ import annotations

import re

from tracker.extraction.extract import Extraction

_INTERSTITIAL = re.compile(
    r"just a moment|checking your browser|checking if the site connection is secure"
    r"|attention required|access denied|access to this page has been denied"
    r"|please enable (?:javascript|cookies)|are you a (?:robot|human)|verify you are (?:a )?human"
    r"|captcha|request unsuccessful|too many requests|service unavailable|page not found"
    r"|404 not found|site maintenance|before you continue|we value your privacy"
    r"|something went wrong|an error (?:has )?occurred|temporarily unavailable|under maintenance"
    r"|subscribe to (?:continue|read)|you have reached your (?:limit|free)|this content is for subscribers"
    r"|sign in to (?:continue|read)",
    re.IGNORECASE,
)
_CLOSED = re.compile(rb"</(?:body|html)\s*>", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
MIN_BODY_WORDS_BESIDE_MARKER = 150
COLLAPSE_RATIO = 0.3
COLLAPSE_MIN_WORDS = 80


def truncated(html: str) -> bool:
    """A document that never closes its body or html element was cut off in transit
    (a server that drops the connection without a Content-Length gives no other sign).
    Judged on the document's structure, not its last bytes: some publishers append
    kilobytes of scripts after `</html>`; a closing tag inside a script does not count."""
    if "<html" not in html[:4096].lower():
        return False
    if _CLOSED.search(html[-4096:].encode("utf-8", "replace")):
        return False  # most pages: closed at the end, nothing more to read
    return not _CLOSED.search(_SCRIPT.sub("", html).encode("utf-8", "replace"))


def collapsed(words_now: int, words_before: int) -> bool:
    """The body shrank to a fraction of the article's last version: a partial render,
    a paywall teaser or a broken template, not an edit."""
    return words_before >= COLLAPSE_MIN_WORDS and words_now < words_before * COLLAPSE_RATIO


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
