"""The privacy boundary: pseudonymous respondent ids (keyed HMAC-SHA256 of the respondent key) and
the scrubbing of personal data typed into free text.

The detectors are shared by the scrub (before delivery) and by `sid verify` (on receipt), so ABB
checks the delivery with exactly the rules the agency applied."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import Callable, Iterable

import pandas as pd
import phonenumbers
from stdnum import iban
from stdnum.be import bis, nn

from pipeline.errors import ErrorCode, SidError
from pipeline.survey.project import PrivacySettings

# A demo key must say what it is, so nobody mistakes it for (or uses it as) a real key.
DEMO_KEY_PREFIX = "DEMO-KEY-"
MIN_KEY_LENGTH = 16


def pseudonym_secret(settings: PrivacySettings) -> bytes:
    """The key: environment variable first, then the key file, then (demo projects only) demo_key.

    No message ever contains the key itself."""
    value = os.environ.get(settings.key_env)
    if value:
        return _checked(value, f"the environment variable {settings.key_env}")
    if settings.key_file is not None:
        try:
            text = settings.key_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise SidError(ErrorCode.KEY_MISSING, f"cannot read the pseudonymisation key ({reason})",
                           file=settings.key_file, fix=f"Create it, or set {settings.key_env}.") from None
        if text:
            return _checked(text, f"the key file {settings.key_file}")
    if settings.demo_key:
        if not settings.demo_key.startswith(DEMO_KEY_PREFIX):
            raise SidError(ErrorCode.KEY_INVALID, f"privacy.demo_key must start with {DEMO_KEY_PREFIX!r}",
                           fix="A demo key is for the bundled demo only; give a real key in "
                               f"{settings.key_env} or privacy.key_file.")
        return settings.demo_key.encode("utf-8")
    raise SidError(ErrorCode.KEY_MISSING, "no pseudonymisation key: refusing to deliver respondent ids",
                   fix=f"Set the environment variable {settings.key_env} or privacy.key_file in sid.toml "
                       "(a file outside the project folder).")


def _checked(key: str, where: str) -> bytes:
    if len(key) < MIN_KEY_LENGTH:
        raise SidError(ErrorCode.KEY_INVALID, f"the pseudonymisation key in {where} is shorter than "
                       f"{MIN_KEY_LENGTH} characters", fix="Use a long random key, e.g. "
                       "`python -c \"import secrets; print(secrets.token_hex(32))\"`.")
    if key.startswith(DEMO_KEY_PREFIX):
        raise SidError(ErrorCode.KEY_INVALID, f"the pseudonymisation key in {where} is a demo key",
                       fix="Use a real, secret key for fieldwork data.")
    return key.encode("utf-8")


def pseudonymise(keys: pd.Series, secret: bytes) -> pd.Series:
    """Stable pseudonym per key: 'R' + the first 16 hex digits of HMAC-SHA256(secret, key).

    One HMAC per distinct key (a hash cannot be vectorised); everything else is vectorised."""
    text = keys.astype(str)
    known = _PSEUDONYMS.setdefault(hashlib.sha256(secret).digest(), {})  # one HMAC per key per run
    new = [u for u in pd.unique(text) if u not in known]
    known.update({u: "R" + hmac.new(secret, u.encode("utf-8"), hashlib.sha256).hexdigest()[:16] for u in new})
    return text.map(known)


def pseudonymise_with(settings: PrivacySettings, keys: pd.Series) -> pd.Series:
    """`keys` pseudonymised with the project's key (the one way every file that leaves work/
    names a respondent)."""
    return pseudonymise(keys, pseudonym_secret(settings))


# Pseudonyms already computed in this process, per key (by the key's hash, never the key itself):
# the cleaning log, the validation failures and the delivered data name the same respondents.
_PSEUDONYMS: dict[bytes, dict[str, str]] = {}


# --- PII in free text --------------------------------------------------------------------------

@dataclass(frozen=True)
class Detector:
    """One kind of personal data: a regular expression finds candidate substrings, `check` decides
    (once per distinct candidate) what replaces it, or None to leave it."""

    tag: str
    description: str  # Dutch, for reports
    pattern: re.Pattern
    check: Callable[[str], str | None]


def _always(tag: str) -> Callable[[str], str]:
    return lambda candidate: tag


def _register_number(candidate: str) -> str | None:
    digits = re.sub(r"\D", "", candidate)
    if nn.is_valid(digits):
        return "[RRN]"
    if bis.is_valid(digits):
        return "[BIS]"
    return None


def _iban(candidate: str) -> str | None:
    return "[IBAN]" if iban.is_valid(candidate) else None


def _phone(candidate: str) -> str | None:
    """Belgian (0..., region BE) and international (+.., 00..) numbers, by `phonenumbers`; only the
    matched parts of the candidate are replaced."""
    if re.fullmatch(r"0[.,]\d+", candidate):  # a decimal number, not a phone number
        return None
    matches = list(phonenumbers.PhoneNumberMatcher(candidate, "BE", leniency=phonenumbers.Leniency.POSSIBLE))
    if not matches:
        return None
    out, last = [], 0
    for m in matches:
        out += [candidate[last:m.start], "[TEL]"]
        last = m.end
    return "".join(out) + candidate[last:]


_NOT_AFTER = r"(?<![\w@+])(?<!\d[.,])"  # not inside a word, an address or a decimal number
_NOT_BEFORE = r"(?![\w@])"

DETECTORS: tuple[Detector, ...] = (
    Detector("[E-MAIL]", "e-mailadres",
             re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), _always("[E-MAIL]")),
    Detector("[URL]", "webadres",
             re.compile(r"(?i)\b(?:https?://|ftp://|www\.)[^\s<>\"']+"), _always("[URL]")),
    Detector("[IBAN]", "bankrekeningnummer (IBAN)",
             re.compile(_NOT_AFTER + r"[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?" + _NOT_BEFORE),
             _iban),
    Detector("[RRN]", "rijksregister- of BIS-nummer",
             re.compile(_NOT_AFTER + r"\d{2}[.\s]?\d{2}[.\s]?\d{2}[-.\s]?\d{3}[-.\s]?\d{2}" + _NOT_BEFORE),
             _register_number),
    Detector("[TEL]", "telefoonnummer",
             re.compile(_NOT_AFTER + r"(?:\+|00|0)\s?\(?\d[\d\s./()-]{5,18}\d" + _NOT_BEFORE), _phone),
)
TAGS = tuple(dict.fromkeys([d.tag for d in DETECTORS] + ["[BIS]"]))
# Values without any of these characters cannot hold PII the detectors know: skipped fast.
_MAYBE = re.compile(r"[@\d]|www\.|://", re.IGNORECASE)


def scrub_values(values: Iterable) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Scrub distinct texts. Returns {original: scrubbed} for the texts that changed and, per tag,
    the originals it changed. Each distinct candidate substring is checked once."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    uniq = pd.Series(series.dropna().unique(), dtype=object)
    uniq = uniq[uniq.map(type) == str] if len(uniq) and not (uniq.map(type) == str).all() else uniq
    uniq = uniq[uniq.str.contains(_MAYBE)].reset_index(drop=True)
    result = uniq.copy()
    changed_by: dict[str, set[str]] = {}
    for det in DETECTORS:
        cache: dict[str, str | None] = {}

        def repl(match: re.Match, det=det, cache=cache) -> str:
            found = match.group(0)
            if found not in cache:
                cache[found] = det.check(found)
            return cache[found] if cache[found] is not None else found

        before = result
        result = result.str.replace(det.pattern, repl, regex=True)
        hit = result != before
        if hit.any():
            for tag in (det.tag, "[BIS]") if det.tag == "[RRN]" else (det.tag,):
                originals = set(uniq[hit & result.str.contains(re.escape(tag), regex=True)])
                if originals:
                    changed_by[tag] = originals
    changed = result != uniq
    return dict(zip(uniq[changed], result[changed])), changed_by


@dataclass(frozen=True)
class ScrubResult:
    frame: pd.DataFrame
    counts: pd.DataFrame  # variable, tag, description, answers_scrubbed (no values)
    per_variable: dict[str, int]  # answers changed per variable (any tag)


SCRUB_COLUMNS = ["variable", "tag", "description", "answers_scrubbed"]


def scrub_frame(frame: pd.DataFrame, text_columns: Iterable[str]) -> ScrubResult:
    """Replace e-mail and web addresses, IBANs, national register / BIS numbers and phone numbers
    in the given text columns by tags. Pure; the counts say how many answers per variable and tag
    were changed, never what they held."""
    out = frame.copy()
    rows, totals = [], {}
    for col in text_columns:
        if col not in out.columns:
            continue
        series = out[col]
        if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            continue
        text = series.astype("string")
        mapping, changed_by = scrub_values(text)
        if not mapping:
            continue
        hit = text.isin(list(mapping)).fillna(False).astype(bool)
        out[col] = series.astype(object).where(~hit, text.map(mapping).astype(object))
        totals[col] = int(hit.sum())
        for det_tag in TAGS:
            originals = changed_by.get(det_tag)
            if originals:
                n = int(text.isin(list(originals)).fillna(False).sum())
                rows.append((col, det_tag, _DESCRIPTION[det_tag], n))
    return ScrubResult(out, pd.DataFrame(rows, columns=SCRUB_COLUMNS), totals)


_DESCRIPTION = {d.tag: d.description for d in DETECTORS} | {"[BIS]": "BIS-nummer",
                                                             "[RRN]": "rijksregisternummer"}


def scrub(frame: pd.DataFrame, text_columns: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """`scrub_frame`, returning the number of answers changed per column."""
    result = scrub_frame(frame, text_columns)
    return result.frame, result.per_variable


def find_pii(values: Iterable) -> dict[str, int]:
    """How many distinct texts hold each kind of PII (by tag); for `sid verify`. No values."""
    _, changed_by = scrub_values(values)
    return {tag: len(originals) for tag, originals in changed_by.items()}


def free_text_columns(frame: pd.DataFrame, questionnaire, exclude: Iterable[str] = ()) -> list[str]:
    """Columns scrubbed before delivery: every text column except choice codes and `exclude`
    (the pseudonymous id). Form text questions, sample-frame texts, coded or other added columns."""
    skip = set(exclude)
    cols = []
    for col in frame.columns:
        if col in skip or str(col).startswith("_"):
            continue
        if col in questionnaire and questionnaire[col].type in ("select_one", "select_multiple"):
            continue
        series = frame[col]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            cols.append(col)
    return cols
