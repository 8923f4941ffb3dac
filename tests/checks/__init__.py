"""Helpers for the tests of meshc.checks (the test modules are tests/test_checks_*.py)."""
