"""Delivery: the SPSS file, its companions, the codebook, the manifest and verification."""
