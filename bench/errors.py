"""The bench's own failures, reported by `python -m bench` as one message and exit code 1."""

from __future__ import annotations


class BenchError(Exception):
    """A bench run could not measure what it was asked to."""


class StartupError(BenchError):
    """A server did not become ready; the message carries the tail of its output."""
