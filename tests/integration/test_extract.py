"""Extraction on the simulated site's templates, and extraction workers that cannot start
(the rules on small pages are in tests/unit/test_extract.py, the corpus-wide figures in
tests/golden)."""

from __future__ import annotations

from tests.support.site import NewsSite
from tracker.extraction.extract import extract


def test_the_subheading_of_a_real_template_is_in_the_body(site: NewsSite) -> None:
    for _ in range(4):
        site.add_story("sneaky")
    story = site.add_story("sneaky")
    story.subheadings = {2: "What happens next"}
    found = extract(site.render(story), site.base + story.path)
    assert found.paragraphs[found.paragraphs.index("What happens next") + 1] == story.paragraphs[2]


def test_an_appended_duplicate_line_is_in_the_body(site: NewsSite) -> None:
    story = site.add_story("wordpress")
    story.paragraphs += ["Correction: an earlier version of this story misstated the date."] * 2
    found = extract(site.render(story), site.base + story.path)
    assert found.paragraphs.count("Correction: an earlier version of this story misstated the date.") == 2


def test_repeated_corrections_come_out_as_the_page_has_them(site: NewsSite) -> None:
    fig = "Correction: an earlier version of this story misstated the figure."
    date = "Correction: an earlier version of this story misstated the date."
    for template in ("inline", "meta", "wordpress", "jsonld", "time"):
        story = site.add_story(template)
        story.paragraphs += [fig, date, fig, date, fig, fig]
        found = extract(site.render(story), site.base + story.path)
        assert found.paragraphs[-6:] == (fig, date, fig, date, fig, fig), template


def test_extraction_workers_that_cannot_start_are_said_in_one_line() -> None:
    import asyncio
    import os
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial
    from multiprocessing import get_context

    from tracker.errors import TrackerError
    from tracker.pipeline import ExtractionPool

    # workers that die as they start, as they do where no memory or process is left
    dying = partial(
        ProcessPoolExecutor, 1, mp_context=get_context("spawn"), initializer=os._exit, initargs=(3,)
    )

    async def go() -> str:
        pool = ExtractionPool(dying)
        try:
            await pool.start(timeout=60)
        except TrackerError as error:
            return str(error)
        finally:
            pool.close()
        return "started"

    assert asyncio.run(go()).startswith("the extraction workers could not start (BrokenProcessPool")
