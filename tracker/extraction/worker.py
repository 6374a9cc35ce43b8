"""What runs in an extraction worker: extract and classify one page.

Kept apart from `tracker.pipeline` so that a worker process (spawned, one per
core) imports extraction alone, not the database, HTTP and scheduling layers:
each worker holds less memory, and starts sooner.
"""

from __future__ import annotations

import copy
import os
import signal
from dataclasses import dataclass

from tracker.core.confirm import without_volatile
from tracker.extraction import glance
from tracker.extraction.declared import Declared
from tracker.extraction.extract import Extraction, extract
from tracker.extraction.page import SiteRules, parse_html
from tracker.extraction.soft_errors import soft_error, truncated


@dataclass(frozen=True, slots=True)
class Analysis:
    """What a page holds: the extraction, or why it is not the article; and the page's
    quick look over the body it gave, for the next checks to trust (see `tracker.extraction.glance`)."""

    extraction: Extraction
    problem: str | None
    look: glance.Glance | None = None


def analyze(
    html: str, url: str, rules: SiteRules | None = None, volatile: frozenset[str] | None = None
) -> Analysis:
    """Extract and classify a page; pure CPU work, run in a process pool by the daemon.
    With the host's `volatile` text, the page's quick look is learned here too."""
    tree = parse_html(html)  # once: a copy, before extraction prunes it, serves the look
    pristine = copy.deepcopy(tree) if tree is not None and volatile is not None else None
    # what the page declares, read once for extraction and the look (site rules drop
    # elements before the look reads it, so then the look reads its own)
    declared = Declared.read(tree) if tree is not None else None
    extraction = extract(html, url, rules, tree=tree, declared=declared)
    if truncated(html):
        return Analysis(extraction, "the page was cut off before its end")
    problem = soft_error(extraction, _title_of(html))
    if problem or volatile is None:
        return Analysis(extraction, problem)
    body = without_volatile(extraction.content(), volatile).body
    look = glance.learn(
        html, body, volatile, rules, tree=pristine, declared=declared if rules is None else None
    )
    return Analysis(extraction, None, look)


def ready() -> bool:
    """A worker that runs this has started: its imports and initializer went through."""
    return True


def _title_of(html: str) -> str | None:
    start = html.find("<title")
    if start < 0:
        return None
    start = html.find(">", start) + 1
    end = html.find("</title", start)
    return html[start:end] if 0 < start <= end else None


def die_with_parent(parent: int) -> None:
    """In an extraction worker: end when the daemon ends, even by SIGKILL (Linux), rather
    than linger as an orphan. A worker still starting when its daemon died ends at once."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: workers end when their queue closes
        pass
    if os.getppid() != parent:
        os._exit(0)
