"""Fakes that tests (and bench/) run on 127.0.0.1: real HTTP servers shaped like the real thing."""
