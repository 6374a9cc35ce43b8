"""Unit tests: the pure core, the turns, the layer rule and the docs; no server, no
database.
"""
