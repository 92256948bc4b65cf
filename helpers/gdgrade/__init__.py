"""Instructor tooling for gdlab, built on nbgrader's own API."""
