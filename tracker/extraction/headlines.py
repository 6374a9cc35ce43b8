"""Which headline is the story's: the `<h1>` a declared headline agrees with, and titles
without the site's name and section path ("SITE | Politics | Story" -> "Story")."""

from __future__ import annotations

import re

from tracker.core.urls import site_of
from tracker.extraction.bylines import squashed
from tracker.extraction.declared import Declared

_TITLE_SEPARATOR = re.compile(r"\s+(?:::|[|·•»›│:/\\]|-|–|—)\s+")
# separators that set off a section path before a headline ("NEWS | Politics | Headline")
_PATH_SEPARATORS = frozenset("|·•»›│/\\") | {"::"}
# host labels that name no site ("news.example.com" is example's)
_GENERIC_LABELS = frozenset(("www", "news", "blog", "blogs", "home", "online", "web", "mobile", "edition"))


def headline_of(declared: Declared, url: str | None = None) -> str | None:
    """The headline the page shows and declares.

    Every declared headline (JSON-LD, `og:title`, named `<meta>`, microdata) and the
    `<title>` is a claim, with the site's name and section path stripped. In order:

    1. the first `<h1>` that agrees with a claim (the same words; or the claim with a
       site name or section around it; or the claim after a kicker, which is dropped):
       an agreeing claim says the heading is the story's, not the site's logo;
    2. the first claim, else the first `<h1>`.

    A lone `<h1>` that agrees with no claim is not taken over them: on real pages it
    is as often a section's name ("Allergies Health Center") as the story's."""
    sites = _site_labels(declared, url)
    claims = [strip_site_name(claim, sites, strict=True) for claim in declared.headlines]
    if declared.title:
        claims.append(strip_site_name(declared.title, sites))
    claims = [claim for claim in claims if claim]
    headings = [heading for heading in declared.h1 or [] if heading]
    for heading in headings:
        for claim in claims:
            if _agree(heading, claim):
                return claim if _has_kicker(heading, claim) else heading
    if claims:
        return claims[0]
    return headings[0] if headings else None


def social_headline_of(declared: Declared, url: str | None = None) -> str | None:
    """What shares of the story show (og:title, else twitter:title), the site's name
    stripped: newsrooms test it apart from the `<h1>` (`tracker.core.headline_tests`)."""
    if not declared.social:
        return None
    return strip_site_name(declared.social, _site_labels(declared, url), strict=True) or None


def strip_site_name(title: str, sites: frozenset[str] | str | None = None, *, strict: bool = False) -> str:
    """'Story headline | Site' -> 'Story headline', 'SITE | Politics | Story' -> 'Story':
    a part that names the site ends the headline (it and what follows go), a leading one
    goes too. A short last part after a separator goes (in a declared headline,
    `strict`, where it is as likely the headline's own, only after "|"), and short
    section names before a path separator, when what stays is long enough."""
    if isinstance(sites, str) or sites is None:
        sites = frozenset({squashed(sites)} if sites else ())
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    separators = [match.group().strip() for match in _TITLE_SEPARATOR.finditer(title)]
    for index in range(1, len(parts)):
        if _is_site(parts[index], sites):
            del parts[index:], separators[index - 1 :]
            break
    while len(parts) > 1 and _is_site(parts[0], sites):
        parts.pop(0)
        separators.pop(0)
    if (
        len(parts) > 1
        and (not strict or separators[-1] == "|")
        and len(parts[-1].split()) <= 3
        and len(" ".join(parts[:-1]).split()) >= 3
    ):
        parts.pop()
        separators.pop()
    while (
        not strict
        and len(parts) > 1
        and separators[0] in _PATH_SEPARATORS
        and len(parts[0].split()) <= 2
        and len(" ".join(parts[1:]).split()) >= 3
    ):
        parts.pop(0)
        separators.pop(0)
    out = parts[0]
    for separator, part in zip(separators, parts[1:], strict=True):
        out += f" {separator} {part}"
    return out


def _agree(heading: str, claim: str) -> bool:
    """A heading and a declared headline are one: the same words; or one holds the other
    and is most of it; or the heading is the claim's leading parts ("Heading | Blog")."""
    a, b = _folded(heading), _folded(claim)
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    if f" {shorter} " in f" {longer} " and len(shorter) >= 0.6 * len(longer) and len(shorter) >= 12:
        return True
    parts = [_folded(part) for part in _TITLE_SEPARATOR.split(claim)]
    return len(a) >= 12 and any(" ".join(parts[:j]) == a for j in range(1, len(parts)))


def _has_kicker(heading: str, claim: str) -> bool:
    """The heading is the claim after a few words of its own (a kicker: "Holocaust
    remembrance day | Remembering the victims" written as one `<h1>`)."""
    a, b = _folded(heading), _folded(claim)
    return len(a) > len(b) and a.endswith(f" {b}") and len(a.split()) - len(b.split()) <= 4


def _folded(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _site_labels(declared: Declared, url: str | None) -> frozenset[str]:
    """What a site may call itself in a title, squashed: its declared names, its host
    ("heise.de"), the host's main label ("heise")."""
    labels = {squashed(name) for name in declared.site_names}
    host = site_of(url) if url else ""
    if host:
        labels.add(squashed(host))
        parts = host.split(".")
        if len(parts) >= 2:
            labels.add(squashed(parts[-2]))
        labels.update(squashed(part) for part in parts[:-2] if len(part) >= 4 and part not in _GENERIC_LABELS)
    return frozenset(label for label in labels if len(label) >= 3)


def _is_site(part: str, sites: frozenset[str]) -> bool:
    squashed_part = squashed(part)
    if not squashed_part:
        return True
    return squashed_part in sites or any(
        len(part.split()) <= 4 and site in squashed_part and len(site) >= 0.5 * len(squashed_part)
        for site in sites
    )
