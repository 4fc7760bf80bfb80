"""Validation: the form's checks, the rules beside it and quality indicators."""
