"""Tests of vlmspec (a package, so that `python -m tests.servers` runs the test servers)."""
