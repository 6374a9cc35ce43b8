"""What the tests and benchmarks share (conftest.py holds fixtures only): the simulated
news site (`site`) and the newsroom that edits it (`newsroom`), tracker wired in-process
(`harness`) or run as a daemon process (`daemons`), real databases (`databases`), a
small real history (`histories`), article contents (`contents`), the golden corpora
(`corpus`, `golden`), and the measures (`measure`).
"""
