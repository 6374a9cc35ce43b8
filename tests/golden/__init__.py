"""Golden tests over ../shared/corpus (real pages and feeds): floors that fail the suite
when quality drops.
"""
