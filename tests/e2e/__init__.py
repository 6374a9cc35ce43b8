"""End-to-end tests: tracker as a user runs it (CLI, daemon, web, notifications) against
simulated news sites on loopback.
"""
