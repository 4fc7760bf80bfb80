"""The privacy boundary: pseudonymous respondent ids (keyed HMAC-SHA256 of the respondent key)."""

from __future__ import annotations

import hashlib
import hmac
import os

import pandas as pd

from pipeline.errors import SidError
from pipeline.project import PrivacySettings


def pseudonym_secret(settings: PrivacySettings) -> bytes:
    """The key: environment variable first, then the key file, then (demo projects only) demo_key."""
    value = os.environ.get(settings.key_env)
    if value:
        return value.encode("utf-8")
    if settings.key_file is not None:
        try:
            text = settings.key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SidError("key_missing", f"cannot read the pseudonymisation key ({exc.strerror})",
                           file=settings.key_file, fix=f"Create it, or set {settings.key_env}.") from None
        if text:
            return text.encode("utf-8")
    if settings.demo_key:
        return settings.demo_key.encode("utf-8")
    raise SidError("key_missing", "no pseudonymisation key: refusing to deliver respondent ids",
                   fix=f"Set the environment variable {settings.key_env} or privacy.key_file in sid.toml.")


def pseudonymise(keys: pd.Series, secret: bytes) -> pd.Series:
    """Stable pseudonym per key: 'R' + the first 16 hex digits of HMAC-SHA256(secret, key).

    One HMAC per distinct key (a hash cannot be vectorised); everything else is vectorised."""
    text = keys.astype(str)
    uniques = pd.unique(text)
    ids = {u: "R" + hmac.new(secret, u.encode("utf-8"), hashlib.sha256).hexdigest()[:16] for u in uniques}
    return text.map(ids)


# Tag per kind of personal data typed into open answers; the originals never reach cleaned/.
PII_TAGS = (
    ("[E-MAIL]", r"[\w.+-]+@[\w-]+\.[\w.-]+"),
    ("[RRN]", r"\b\d{2}\.?\d{2}\.?\d{2}[-.\s]?\d{3}[.\s]?\d{2}\b"),
    ("[TEL]", r"(?:\+|00)\d{2}[\s./-]?\d(?:[\s./-]?\d){6,11}|\b0\d(?:[\s./-]?\d){7,8}\b"),
)


def scrub(frame: pd.DataFrame, text_columns: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Replace e-mail addresses, national register numbers and phone numbers in free text by tags.
    Returns the new frame and the number of answers changed per column (no values)."""
    out = frame.copy()
    counts = {}
    for col in text_columns:
        if col not in out.columns:
            continue
        text = out[col].astype("string")
        new = text
        for tag, pattern in PII_TAGS:
            new = new.str.replace(pattern, tag, regex=True)
        changed = (new != text).fillna(False)
        if changed.any():
            counts[col] = int(changed.sum())
            out[col] = new.astype(object).where(new.notna(), None)
    return out, counts
