"""Weighting: design weights, nonresponse adjustment and raking."""
