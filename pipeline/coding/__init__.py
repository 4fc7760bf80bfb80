"""Coding: open and other-specify answers against code frames and classifications."""
