"""Expectation suites, one module per source."""
