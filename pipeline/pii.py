"""Personal data in text and numbers: the detectors shared by the scrub before delivery and by
`sid verify` on receipt, so what a run would scrub, verify would catch.

Text is normalised before matching (NFKC, zero-width and other format characters removed, every
space and dash made one kind, case-folded), so identifiers hidden by look-alike characters, glued
to letters or split by invisible characters are still found; the replacement is made in the
original text, over the whole stretch (invisible characters included) that held the identifier."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

import pandas as pd
from stdnum import iban
from stdnum.be import bis, nn

Span = tuple[int, int, str]  # start, end (in the candidate), tag
# Top-level domains a bare host name (`gent.be`) or a spelled-out e-mail (`jan at x dot be`) must
# end in to count: the common ones, the countries of the survey's origin groups and neighbours.
TLDS = ("be", "com", "nl", "net", "org", "eu", "fr", "de", "lu", "uk", "info", "io", "biz", "edu", "gov",
        "ma", "tr", "pl", "ro", "cd", "af", "es", "it", "ch", "at", "us", "co", "me", "app", "online")
_TLD = "(?:" + "|".join(sorted(TLDS, key=len, reverse=True)) + ")"


@dataclass(frozen=True)
class Detector:
    """One kind of personal data: a regular expression on the normalised text finds candidates;
    `check` says (once per distinct candidate) which parts of it are personal data, or None."""

    tag: str
    description: str  # Dutch, for reports
    pattern: re.Pattern
    check: Callable[[str], tuple[Span, ...] | None]
    gate: re.Pattern  # a cheap search the text must pass before `pattern` is tried


# --- normalisation -------------------------------------------------------------------------------

_DASHES = {"\u2212", "\u2043", "\ufe63", "\uff0d"}  # minus signs and hyphen bullets besides category Pd


def _normal_char(ch: str) -> str:
    """What one character becomes: NFKC, format characters dropped, spaces and dashes unified,
    case-folded."""
    if ch.isascii():
        return " " if ch.isspace() else ch.lower()
    cat = unicodedata.category(ch)
    if cat == "Cf":  # zero-width space/joiners, soft hyphen, word joiner, BOM, direction marks
        return ""
    if ch.isspace() or cat == "Zs":
        return " "
    if cat == "Pd" or ch in _DASHES:
        return "-"
    return unicodedata.normalize("NFKC", ch).casefold()


def normalise(text: str) -> tuple[str, list[int] | None]:
    """The normalised text and, for each of its characters, the index of the original character
    it came from (None when they are the same: plain ASCII keeps every position)."""
    if text.isascii():
        return text.lower().translate(_ASCII_SPACES), None
    out, where = [], []
    for i, ch in enumerate(text):
        for c in _normal_char(ch):
            out.append(c)
            where.append(i)
    return "".join(out), where


_ASCII_SPACES = str.maketrans({c: " " for c in "\t\n\r\x0b\x0c"})


# --- the checks ----------------------------------------------------------------------------------

def _whole(tag: str) -> Callable[[str], tuple[Span, ...]]:
    return lambda candidate: ((0, len(candidate), tag),)


_SPELLED = re.compile(r"\s(?:at|apenstaartje|dot|punt)\s")


def _email(candidate: str) -> tuple[Span, ...] | None:
    """An e-mail address; one spelled out with bare words (`jan at telenet dot be`) only with a
    known top-level domain, so that Dutch `at` (ate) and `punt` in sentences are left alone."""
    if "@" not in candidate and not re.search(r"[\[({<]", candidate) and _SPELLED.search(candidate):
        if not re.search(rf"\s(?:dot|punt)\s{_TLD}$", candidate):
            return None
    return ((0, len(candidate), "[E-MAIL]"),)


def _url(candidate: str) -> tuple[Span, ...]:
    end = len(candidate.rstrip(".,;:!?)]}'\""))  # sentence punctuation after an address stays
    return ((0, end, "[URL]"),)


def _iban(candidate: str) -> tuple[Span, ...] | None:
    """The longest valid IBAN (any country, stdnum) at the start of the candidate, which may run
    into the words after it."""
    ends = [i + 1 for i, ch in enumerate(candidate) if ch.isalnum()]
    for n in range(min(len(ends), 34), 14, -1):
        compact = re.sub(r"[^0-9a-z]", "", candidate[:ends[n - 1]]).upper()
        if iban.is_valid(compact):
            return ((0, ends[n - 1], "[IBAN]"),)
    return None


def _register_number(candidate: str) -> tuple[Span, ...] | None:
    digits = re.sub(r"\D", "", candidate)
    if nn.is_valid(digits):
        return ((0, len(candidate), "[RRN]"),)
    if bis.is_valid(digits):
        return ((0, len(candidate), "[BIS]"),)
    return None


def _phone(candidate: str) -> tuple[Span, ...] | None:
    """Belgian (0…, region BE) and international (+…, 00…) numbers that `phonenumbers` holds
    valid; only the matched parts of the candidate are personal data."""
    if re.fullmatch(r"0[.,]\d+", candidate):  # a decimal number, not a phone number
        return None
    import phonenumbers  # here: a run that scrubs no text never imports it

    found = tuple((m.start, m.end, "[TEL]") for m in phonenumbers.PhoneNumberMatcher(
        candidate, "BE", leniency=phonenumbers.Leniency.VALID))
    return found or None


# --- the detectors (on normalised text; order matters: an e-mail holds a domain name) ------------

_AT = r"(?:\s?@\s?|\s?[\[({<]\s?(?:at|@|apenstaartje)\s?[\])}>]\s?|\s(?:at|apenstaartje)\s)"
_DOT = r"(?:\.|\s?[\[({<]\s?(?:dot|punt|\.)\s?[\])}>]\s?|\s(?:dot|punt)\s)"
_SEP = r"(?:\s?[./-]\s?|\s)?"  # between the groups of a register number
# A phone number may be glued to the word that announces it (gsm0470…, tel0470…).
_PHONE_WORDS = ("gsm", "tel", "nr", "fax", "mob", "mobiel", "telefoon", "nummer", "phone", "whatsapp", "tél")
_PHONE_START = "(?:(?<![\\w@+])|" + "|".join(f"(?<={w})" for w in _PHONE_WORDS) + ")"

DETECTORS: tuple[Detector, ...] = (
    Detector("[E-MAIL]", "e-mailadres",
             re.compile(rf"[\w.+-]*\w{_AT}[\w-]+(?:{_DOT}[\w-]+)+"), _email,
             re.compile(r"@|[\[({<]\s?(?:at|@)|\sat\s|apenstaartje")),
    Detector("[URL]", "webadres",
             re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"']+"
                        rf"|(?<![\w@.-])(?:[a-z0-9-]+\.)+{_TLD}(?![\w-])(?:/[^\s<>\"']*)?"), _url,
             re.compile(r"www|://|\.[a-z]")),
    Detector("[IBAN]", "bankrekeningnummer (IBAN)",
             re.compile(r"(?<![\d])[a-z]{2}\d{2}(?:[ .-]?[a-z0-9]){11,40}"), _iban, re.compile(r"[a-z]{2}\d{2}")),
    Detector("[RRN]", "rijksregister- of BIS-nummer",
             re.compile(rf"(?<![\d])(?<!\d[.,])\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{2}}(?!\d)"),
             _register_number, re.compile(r"\d{2}")),
    Detector("[TEL]", "telefoonnummer",
             re.compile(r"(?=[+0])" + _PHONE_START + r"(?<!\d[.,])(?:\+|00|0)\s?\(?\d[\d\s./()-]{5,22}\d(?!\d)"), _phone,
             re.compile(r"[+0]\s?\(?\d")),
)
TAGS = ("[E-MAIL]", "[URL]", "[IBAN]", "[RRN]", "[BIS]", "[TEL]")
DESCRIPTION = {d.tag: d.description for d in DETECTORS} | {"[BIS]": "BIS-nummer", "[RRN]": "rijksregisternummer"}
# The delivery's own pseudonyms (R + 16 hex digits) are no personal data: masked before matching.
_PSEUDONYM = re.compile(r"(?<!\w)r[0-9a-f]{16}(?!\w)")
# Values without any of these (after normalisation) cannot hold what the detectors find: skipped.
_MAYBE = re.compile(rf"[@＠\d]|www|://|\.{_TLD}\b|\b(?:at|dot|punt|apenstaartje)\b", re.IGNORECASE)


@lru_cache(maxsize=65536)
def _checked(det: int, candidate: str) -> tuple[Span, ...] | None:
    return DETECTORS[det].check(candidate)


def scrub_text(text: str) -> tuple[str, frozenset[str]]:
    """`text` with every piece of personal data replaced by its tag, and the tags used."""
    norm, where = normalise(text)
    masked = _PSEUDONYM.sub(lambda m: "\x00" * len(m.group(0)), norm)
    spans: list[Span] = []  # in the normalised text
    for number, det in enumerate(DETECTORS):
        if not det.gate.search(masked):
            continue
        pos = 0
        while (m := det.pattern.search(masked, pos)) is not None:
            found = _checked(number, m.group(0))
            if not found:
                pos = m.start() + 1
                continue
            for start, end, tag in found:
                spans.append((m.start() + start, m.start() + end, tag))
                masked = masked[:m.start() + start] + "\x00" * (end - start) + masked[m.start() + end:]
            pos = m.start() + found[-1][1]
    if not spans:
        return text, frozenset()
    out, last = [], 0
    for start, end, tag in sorted(spans):
        first, stop = (start, end) if where is None else (where[start], where[end - 1] + 1)
        out += [text[last:first], tag]
        last = stop
    return "".join(out) + text[last:], frozenset(tag for _, _, tag in spans)


def scrub_values(values: Iterable) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Scrub distinct texts. Returns {original: scrubbed} for the texts that changed and, per tag,
    the originals it changed."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    uniq = pd.Series(series.dropna().unique(), dtype=object)
    uniq = uniq[uniq.map(type) == str] if len(uniq) and not (uniq.map(type) == str).all() else uniq
    uniq = uniq[uniq.astype(str).str.contains(_MAYBE)]
    mapping: dict[str, str] = {}
    changed_by: dict[str, set[str]] = {}
    for original in uniq:
        scrubbed, tags = scrub_text(original)
        if tags:
            mapping[original] = scrubbed
            for tag in tags:
                changed_by.setdefault(tag, set()).add(original)
    return mapping, changed_by


def find_pii(values: Iterable) -> dict[str, int]:
    """How many distinct texts hold each kind of personal data (by tag); for `sid verify`. No values."""
    _, changed_by = scrub_values(values)
    return {tag: len(originals) for tag, originals in changed_by.items()}


# --- numbers that are identifiers ---------------------------------------------------------------

# A number typed with its country code (0032…, +32…) loses the 00 or +: read back only for Belgium,
# its neighbours and the countries of the survey's origin groups (any code would take almost
# every long number for a phone number somewhere).
_COUNTRY_CODES = ("32", "31", "33", "49", "352", "44", "212", "90", "48", "40", "243", "93")


def number_tag(value: float) -> str | None:
    """The tag of a number that is an identifier when written out: a national register or BIS
    number (its leading zero lost), a Belgian phone number (its leading 0 lost) or one with its
    country code (32…, 0032 read as a number). Numbers below 10 million are never identifiers."""
    if value != value or value < 10_000_000 or value != int(value) or value >= 10 ** 15:
        return None
    digits = str(int(value))
    if len(digits) in (10, 11):
        tags = _register_number(digits.zfill(11))
        if tags:
            return tags[0][2]
    candidates = ["0" + digits] + (["+" + digits] if digits.startswith(_COUNTRY_CODES) and len(digits) >= 10 else [])
    import phonenumbers  # here: a run that scrubs no number never imports it

    for text in candidates:
        try:
            number = phonenumbers.parse(text, "BE")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return "[TEL]"
    return None


def number_tags(values: pd.Series) -> pd.Series:
    """Per value, the tag of an identifier typed into a numeric question, else None; each distinct
    value is checked once, and only those of 8 digits or more."""
    numbers = pd.to_numeric(values, errors="coerce")
    big = numbers[numbers.abs() >= 10_000_000]
    tags = {v: number_tag(abs(v)) for v in pd.unique(big.dropna())}
    found = numbers.abs().map(tags)  # a dict lookup per value, not a Python call
    return found.astype(object).where(found.notna(), None)
