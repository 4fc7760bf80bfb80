"""The privacy gate: what leaves work/ names respondents only by pseudonym (keyed HMAC-SHA256 of
the respondent key) and holds no personal data in its text (the detectors: `pipeline.pii`).

`delivery_privacy` decides once per run what the delivery does with ids; the file label, the
.sav's documents, README.txt and the manifest say it from that decision, never from the config."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.pii import DESCRIPTION, TAGS, find_pii, number_tags, scrub_values  # noqa: F401  (the gate's detectors)
from pipeline.survey.project import PrivacySettings, Project

# A demo key must say what it is, so nobody mistakes it for (or uses it as) a real key.
DEMO_KEY_PREFIX = "DEMO-KEY-"
MIN_KEY_LENGTH = 16
KEY_ADVICE = ("Create a key with `sid key new` and add the line it prints under [privacy] in sid.toml "
              "(or set the environment variable {env}).")


@dataclass(frozen=True)
class Key:
    secret: bytes = field(repr=False)
    source: str  # "environment", "file" or "demo"


def resolve_key(settings: PrivacySettings) -> Key:
    """The key: environment variable first, then the key file, then (demo projects only) demo_key.

    No message ever contains the key itself."""
    value = os.environ.get(settings.key_env)
    if value:
        return Key(_checked(value, f"the environment variable {settings.key_env}"), "environment")
    if settings.key_file is not None:
        try:
            text = settings.key_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise SidError(ErrorCode.KEY_MISSING, f"cannot read the pseudonymisation key ({reason})",
                           file=settings.key_file, fix=f"Create it with `sid key new`, or set {settings.key_env}.") from None
        if text:
            return Key(_checked(text, f"the key file {settings.key_file}"), "file")
    if settings.demo_key:
        if not settings.demo_key.startswith(DEMO_KEY_PREFIX):
            raise SidError(ErrorCode.KEY_INVALID, f"privacy.demo_key must start with {DEMO_KEY_PREFIX!r}",
                           fix="A demo key is for the bundled demo only; give a real key in "
                               f"{settings.key_env} or privacy.key_file.")
        return Key(settings.demo_key.encode("utf-8"), "demo")
    raise SidError(ErrorCode.KEY_MISSING, "no pseudonymisation key: refusing to deliver respondent ids",
                   fix=f"Set the environment variable {settings.key_env} or privacy.key_file in sid.toml "
                       "(a file outside the project folder; `sid key new` writes one).")


def pseudonym_secret(settings: PrivacySettings) -> bytes:
    return resolve_key(settings).secret


@dataclass(frozen=True)
class DeliveryPrivacy:
    """What this delivery does with respondent ids: the column that names them, whether it holds
    pseudonyms (and from which key) or, with `pseudonymise = false`, the project's own ids and why;
    whether it is a demo delivery."""

    key: str  # the respondent key in work/
    id_column: str  # the column that names respondents in the delivery
    pseudonymised: bool
    key_source: str | None  # "environment", "file" or "demo"; None when not pseudonymised
    reason: str | None  # why the ids are delivered as they are
    demo: bool  # a demo project ([demo] project = true)
    secret: bytes | None = field(default=None, repr=False, compare=False)

    def ids(self, keys: pd.Series) -> pd.Series:
        """`keys` as the delivery names them."""
        return pseudonymise(keys, self.secret) if self.pseudonymised else keys.astype(str)

    def label_prefix(self, text: Callable[..., str]) -> str:
        """Put before the .sav's file label, so that nobody opens the file without seeing it.
        `text(key, **fields)` gives sid's texts in the delivery's language (delivery/labels.py)."""
        return ("DEMO: " if self.demo else "") + ("" if self.pseudonymised else text("privacy_prefix") + ": ")

    def notices(self, text: Callable[..., str]) -> tuple[str, ...]:
        """Plain lines for the .sav's documents and README.txt (empty for a normal delivery)."""
        lines = []
        if self.demo:
            lines.append(text("privacy_demo"))
        if self.key_source == "demo":
            lines.append(text("privacy_demo_key"))
        if not self.pseudonymised:
            lines.append(text("privacy_not_pseudonymised", reason=self.reason or ""))
        return tuple(lines)

    def id_text(self, text: Callable[..., str]) -> str:
        """What README.txt says about the id column."""
        if not self.pseudonymised:
            return text("privacy_id_own", column=self.id_column, reason=self.reason or "")
        return text("privacy_id_demo" if self.key_source == "demo" else "privacy_id_secret", column=self.id_column)

    @property
    def manifest_entry(self) -> dict:
        return {"respondent_id": self.id_column, "gepseudonimiseerd": self.pseudonymised,
                "sleutel": {"environment": "omgevingsvariabele", "file": "sleutelbestand",
                            "demo": "DEMO-sleutel (publiek)"}.get(self.key_source or "", None),
                "reden": self.reason, "demo": self.demo}


def delivery_privacy(project: Project) -> DeliveryPrivacy:
    """The gate's decision for this project, or exit 2 (before anything is written) when it has
    no key: every delivery pseudonymises unless sid.toml says `pseudonymise = false` and why."""
    settings = project.privacy
    demo = project.demo.project
    if settings is None:
        raise SidError(ErrorCode.KEY_MISSING, "no [privacy] table: refusing to deliver respondent ids",
                       file=project.file, fix=KEY_ADVICE.format(env=PrivacySettings().key_env))
    if not settings.pseudonymise:
        return DeliveryPrivacy(project.key, project.key, False, None, settings.reason, demo)
    key = resolve_key(settings)
    if key.source == "demo" and not demo:  # load_project refuses it too; the gate does not rely on that
        raise SidError(ErrorCode.KEY_INVALID, "a demo key is only accepted in a demo project ([demo] project = true)",
                       file=project.file, fix=KEY_ADVICE.format(env=settings.key_env))
    return DeliveryPrivacy(project.key, settings.respondent_id, True, key.source, None, demo, key.secret)


def default_key_path(root: Path) -> Path:
    """~/.sid/<survey name>.key: the name read from sid.toml as plain TOML (a project whose
    [privacy] is refused still gets its key), else the folder's name."""
    try:
        name = tomllib.loads((root / "sid.toml").read_text(encoding="utf-8"))["survey"]["name"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        name = None
    if not isinstance(name, str) or not re.fullmatch(r"[\w-]+", name):
        name = root.name or "sid"
    return Path.home() / ".sid" / f"{name}.key"


def new_key_file(path: Path, project_root: Path | None = None) -> Path:
    """`sid key new`: a random key (64 hex digits) in a new file readable by its owner only
    (0600), outside the project folder. Never replaces an existing file."""
    path = path.expanduser().resolve()
    if project_root is not None and path.is_relative_to(project_root.resolve()):
        raise SidError(ErrorCode.USAGE, "the key file must lie outside the project folder", file=path,
                       fix="Give a path outside the project, e.g. ~/.sid/<survey>.key.")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SidError(ErrorCode.KEY_EXISTS, "the file already exists", file=path,
                       fix="Keep the existing key (a new one changes every pseudonym) or give another path.") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    os.chmod(path, 0o600)
    return path


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
    known.update({u: "R" + hmac.digest(secret, u.encode("utf-8"), "sha256").hex()[:16] for u in new})  # one-shot C HMAC
    return text.map(known)


# Pseudonyms already computed in this process, per key (by the key's hash, never the key itself):
# the cleaning log, the validation failures and the delivered data name the same respondents.
_PSEUDONYMS: dict[bytes, dict[str, str]] = {}


# --- personal data in the delivered text (the detectors: pipeline/pii.py) ---------------------

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
    out = frame.copy(deep=False)  # copy-on-write: columns are replaced, never written into
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
                rows.append((col, det_tag, DESCRIPTION[det_tag], n))
    return ScrubResult(out, pd.DataFrame(rows, columns=SCRUB_COLUMNS), totals)


def scrub(frame: pd.DataFrame, text_columns: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """`scrub_frame`, returning the number of answers changed per column."""
    result = scrub_frame(frame, text_columns)
    return result.frame, result.per_variable


def scrub_cells(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Report cells that may hold text or numbers written as text (a log's old and new values):
    personal data in text replaced by tags, and a number that is an identifier (470123456.0, a
    phone number typed into a numeric question) by its tag."""
    out = frame.copy()
    for col in columns:  # numbers first: "85073100328.0" is one number, not a register number and ".0"
        tags = number_tags(out[col])
        hit = tags.notna()
        if hit.any():
            out[col] = out[col].astype(object).where(~hit, tags)
    return scrub(out, columns)[0]


def scrub_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A report table as it may leave work/: every text column through `scrub_cells` (the names of
    groups and municipalities come from the sample frame, which may hold anything)."""
    texts = [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])]
    return scrub_cells(frame, texts) if texts else frame


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


# --- media file names ---------------------------------------------------------------------------
# A name the form app made: ODK Collect names a capture after its moment (`1772438400000.jpg`),
# Enketo adds the time to it (`-10_15_30`); only digits, separators and the extension.
_DEVICE_NAME = r"[\d_.\- ]+\.[A-Za-z0-9]{1,5}"
MEDIA_TAG = "[BESTAND]"
MEDIA_DESCRIPTION = "bestandsnaam gekozen door een persoon (niet door de app gemaakt)"


def scrub_media(frame: pd.DataFrame, questionnaire) -> ScrubResult:
    """Media answers (image, signature, audio, video, file, background-audio, osm) keep the file name
    the form app made; a name a person chose (an uploaded `cv_jan_peeters.pdf`) may name someone and
    becomes `[BESTAND].pdf` (the extension kept, so ABB still sees what kind of file it was). The
    counts say how many answers per variable, never what they held."""
    out, rows, totals = frame.copy(deep=False), [], {}  # copy-on-write (as scrub_frame)
    for v in questionnaire:
        if not v.media or v.name not in out.columns:
            continue
        text = out[v.name].astype("string").str.strip()
        chosen = (text.notna() & (text != "") & ~text.str.fullmatch(_DEVICE_NAME)).fillna(False).astype(bool)
        if not chosen.any():
            continue
        extension = text.str.extract(r"(\.[A-Za-z0-9]{1,5})$", expand=False).fillna("")
        out[v.name] = out[v.name].astype(object).where(~chosen, (MEDIA_TAG + extension).astype(object))
        totals[v.name] = int(chosen.sum())
        rows.append((v.name, MEDIA_TAG, MEDIA_DESCRIPTION, totals[v.name]))
    return ScrubResult(out, pd.DataFrame(rows, columns=SCRUB_COLUMNS), totals)
