"""Integration tests: storage on real SQLite and PostgreSQL, fetching and extraction
against a real server on loopback.
"""
