"""Rerun only what changed (`sid run` without `--fresh`): each stage's inputs fingerprinted
(fingerprint.py), each stage's outputs recorded with their checksums in work/stages/ and reused
when the fingerprint matches and every recorded output is still intact (records.py)."""
