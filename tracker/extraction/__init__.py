"""Extraction: what an editor wrote, read from a page (CPU only).

Rule: no network, no database, no clock. Imports `tracker.core` and the leaves
only. This is what the extraction worker processes import (`worker.analyze`),
so it stays light: the page's repaired tree (`page`), what it declares
(`declared`, with `bylines`, `names`, `dates`, `stamps` and `headlines`), fields
(`extract`), the quick look (`glance`), soft errors, identity keys, and the feed,
sitemap and URL-list parsers (`listings`).
"""
