"""The read side: what people ask of the history, and how it is shown.

Histories and timelines (`history`), revisions across articles (`revisions`),
search, health, exports, the text and HTML diff (`text`), reports, Atom feeds
(`atom`). Rule: reads through `tracker.store`, never imports the check side
(`pipeline`, `discovery`) or the entry points.
"""
