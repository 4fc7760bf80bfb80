"""Weighted tables of the delivery (`sid report tables`)."""
