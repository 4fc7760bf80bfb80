"""Cleaning: corrections, invalid codes, routing codes and exclusions, with a cell-level log."""
