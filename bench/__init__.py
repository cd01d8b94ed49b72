"""Load and overhead measurement of the gateway; run with `python -m bench` (see README.md).

Not part of the test suite: it starts real processes pinned to cores and takes minutes.
"""
