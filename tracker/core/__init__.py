"""The pure core: normalization, URLs, diffs, confirmation, the re-check policy.

Rule: no I/O. Nothing here imports httpx, SQLAlchemy, click, FastAPI or
APScheduler, reads a clock (`now` is a parameter) or imports a tracker module
outside `tracker.core` and the leaves (`errors`, `config`, `vocabulary`).
"""
