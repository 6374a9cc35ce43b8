"""What the tests and benchmarks share: the simulated news site, the newsroom that edits
it, and the measures.
"""
