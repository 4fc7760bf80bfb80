"""Reading sid.toml: one generic reader for every [section], and hooks for the keys that need more.

`pipeline.survey.project` declares each key of sid.toml as a dataclass field made with `setting()`:
the key's type is the field's annotation, its default the field's default, and the field says what
else is checked and what the error says, so a key is named in one place only. A key that needs more
than its type (a path inside the project, the survey name, an encoding ...) names a `read` hook; the
[missing] scheme, the [[sources]] array and the tables that name a file ([sample], [contacts]) have
a method of `ProjectFile`. This module knows none of the project's dataclasses (they are passed in),
so `project.py` imports it and not the other way round.
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.errors import ErrorCode, SidError
from pipeline.survey.syntax import ExpressionError, compile_regex

PROJECT_FILE = "sid.toml"

Reader = Callable[[Any, Path], Any]  # (value in sid.toml, project folder) -> value read


class WrongType(ValueError):
    """A value of the wrong type: the error says what the key must be (`setting(expect=...)`)."""


class Invalid(ValueError):
    """A value that the key may not hold: the error's message (and advice, if not the default)."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix


@dataclasses.dataclass(frozen=True)
class Setting:
    """How a key of sid.toml is read: the metadata of its dataclass field (see `setting()`)."""

    # What the value must be: the error when it has the wrong type or fails `test` (default: the
    # wording of the field's type); "{value!r}" names the value.
    expect: str | None = None
    test: Callable[[Any], bool] | None = None  # a further check of the value read: a range, choices
    fix: str | None = None  # the advice of the key's errors (default: correct it, see docs/sid-toml.md)
    # Reads the value in place of its type's reader; returns it or raises WrongType or Invalid.
    read: Reader | None = None
    # Computes the value of an absent key that has no default from the table's other values; the
    # result is read like a value in the file.
    derive: Callable[[dict[str, Any]], Any] | None = None
    tables: tuple[str, ...] | None = None  # the tables that take the key (default: all read into the dataclass)


def setting(default: Any = dataclasses.MISSING, *, kw_only: bool = False, **how: Any) -> Any:
    """A dataclass field that is a key of sid.toml, read as `how` (the fields of `Setting`) says.

    `default` is its value when the key is absent (a relative Path is relative to the project
    folder); without one the key is required, unless `how` derives it.
    """
    return dataclasses.field(default=default, kw_only=kw_only, metadata={Setting: Setting(**how)})


def _settings(cls: type, table: str) -> tuple[dataclasses.Field, ...]:
    """The fields of `cls` that are keys of [table]."""
    return tuple(f for f in dataclasses.fields(cls)
                 if Setting in f.metadata and table in (f.metadata[Setting].tables or (table,)))


def _keys(table: str, *classes: type) -> list[str]:
    """The keys of [table] that `classes` read."""
    return [f.name for cls in classes for f in _settings(cls, table)]


def top_level_keys(cls: type) -> set[str]:
    """The tables of sid.toml read into `cls` (the project): those its keys name, and one per
    field that holds a section's dataclass (`X`, `X | None`, or `tuple[X, ...]`: an array of tables)."""
    named = {t for f in dataclasses.fields(cls) if Setting in f.metadata for t in f.metadata[Setting].tables or ()}
    for name, tp in _hints(cls).items():
        held = typing.get_args(tp)[0] if typing.get_origin(tp) is tuple else _members(tp)[0]
        if dataclasses.is_dataclass(held):
            named.add(name)
    return named


@cache
def _hints(cls: type) -> dict[str, Any]:
    """The field types of `cls` (its annotations, evaluated)."""
    return typing.get_type_hints(cls)


def _members(tp: Any) -> tuple[Any, ...]:
    """The types of a union, without None; `tp` alone if it is none."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return tuple(t for t in typing.get_args(tp) if t is not type(None))
    return (tp,)


# The readers of the types and the hooks: (value in sid.toml, project folder) -> value read.

def text(value: Any, root: Path) -> str:
    """A text that is not blank."""
    if not isinstance(value, str) or not value.strip():
        raise WrongType
    return value


def verbatim(value: Any, root: Path) -> str:
    """A text that is not empty, where whitespace counts (a tab as delimiter, a space as separator)."""
    if not isinstance(value, str) or not value:
        raise WrongType
    return value


# Longest path and file name most systems take (Linux PATH_MAX and NAME_MAX, in bytes).
MAX_PATH_BYTES, MAX_NAME_BYTES = 4096, 255


def usable(value: str) -> str:
    """A path this system can open: no NUL character, no name or path longer than it takes."""
    if "\x00" in value:
        raise Invalid("the path holds a NUL character", fix="Type the path again without control characters.")
    if len(os.fsencode(value)) > MAX_PATH_BYTES or any(
            len(os.fsencode(part)) > MAX_NAME_BYTES for part in Path(value).parts):
        raise Invalid(f"the path is too long ({len(value)} characters; a name may have at most "
                      f"{MAX_NAME_BYTES} bytes, a path {MAX_PATH_BYTES})", fix="Use a shorter path.")
    return value


def inside(value: Any, root: Path) -> Path:
    """A path relative to the project folder that stays inside it."""
    path = (root / usable(text(value, root))).resolve()
    if not path.is_relative_to(root):
        raise Invalid(f"path {value!r} points outside the project folder", fix="Use a path inside the project.")
    return path


def outside(value: Any, root: Path) -> Path:
    """A file outside the project folder: absolute, from the home folder (~) or relative to the project."""
    path = Path(usable(text(value, root))).expanduser()
    path = path if path.is_absolute() else (root / path).resolve()
    if path.is_relative_to(root):
        raise Invalid("the key file must lie outside the project folder",
                      fix="Keep the key where the delivery can never include it.")
    return path


def xlsform(value: Any, root: Path) -> Path:
    """An XLSForm workbook inside the project."""
    path = inside(value, root)
    if path.suffix.lower() not in (".xlsx", ".xls", ".xlsm"):
        raise Invalid(f"{path.name} is not an XLSForm workbook (.xlsx, .xls or .xlsm)")
    return path


def file_name(value: Any, root: Path) -> str:
    """A name that can stand in a file name: letters, digits, - and _."""
    name = text(value, root)
    if not name.replace("_", "").replace("-", "").isalnum() or not name.isascii():
        raise Invalid(f"{name!r} must use only letters, digits, - and _",
                      fix="It becomes the file name of the delivered .sav.")
    return name


def known_encoding(value: Any, root: Path) -> str:
    """The name of a text encoding Python knows."""
    try:
        codecs.lookup(verbatim(value, root))
    except LookupError:
        raise Invalid(f"unknown encoding {value!r}", fix="Use e.g. utf-8, utf-8-sig or cp1252.") from None
    return value


def regex(value: Any, root: Path) -> str:
    """A regular expression (the empty one too) that RE2 takes (matched in linear time)."""
    if not isinstance(value, str):
        raise WrongType
    try:
        compile_regex(value)
    except ExpressionError as exc:
        raise Invalid(f"not a valid regular expression ({exc})") from None
    return value


def _flag(value: Any, root: Path) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise WrongType
    return value


def _whole(value: Any, root: Path) -> int:
    """A whole number (not true or false)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType
    return value


def _number(value: Any, root: Path) -> float:
    """A number, whole or not (not true or false)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise WrongType
    return float(value)


def _date(value: Any, root: Path) -> date:
    """A TOML date, or a text like 2026-03-01."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise Invalid(f"{value!r} is not a date like 2026-03-01") from None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise WrongType
    return value


# The reader of each type of key, and what a value of the wrong type is told it must be.
_TYPES: dict[type, tuple[Reader, str]] = {
    str: (text, "must be a non-empty text"),
    Path: (inside, "must be a non-empty text"),
    bool: (_flag, "must be true or false"),
    int: (_whole, "must be a whole number"),
    float: (_number, "must be a number"),
    date: (_date, "must be a date like 2026-03-01"),
}


def _pairs_of(tp: Any) -> Any:
    """For `tuple[tuple[str, X], ...]` (a TOML table, kept as its pairs): X; else None."""
    item = typing.get_args(tp)[0]
    return typing.get_args(item)[1] if typing.get_origin(item) is tuple else None


def _wording(tp: Any) -> str:
    """What a value of type `tp` must be (a union: as its first type)."""
    tp = _members(tp)[0]
    if typing.get_origin(tp) is tuple:
        return "must be a list" if _pairs_of(tp) is None else "must be a table"
    return _TYPES[tp][1]


def _typed(tp: Any, value: Any, root: Path) -> Any:
    """`value` read as a `tp`: a type of `_TYPES`, a union of them (the first that takes the
    value), a list (`tuple[X, ...]`) or a table (`tuple[tuple[str, X], ...]`, kept as its pairs)."""
    members = _members(tp)
    if len(members) > 1:
        for member in members:
            try:
                return _typed(member, value, root)
            except WrongType:
                pass
        raise WrongType
    tp = members[0]
    if typing.get_origin(tp) is not tuple:
        return _TYPES[tp][0](value, root)
    if (item := _pairs_of(tp)) is not None:
        if not isinstance(value, dict):
            raise WrongType
        return tuple((key, _typed(item, v, root)) for key, v in value.items())
    if not isinstance(value, list):
        raise WrongType
    return tuple(_typed(typing.get_args(tp)[0], v, root) for v in value)


@dataclasses.dataclass(frozen=True)
class ProjectFile:
    """A project's sid.toml, parsed, and the reading of its tables into dataclasses.

    Every problem is a one-line SidError naming the file and the key (`survey.name`).
    """

    root: Path  # the project folder
    file: Path
    data: dict[str, Any]

    @classmethod
    def open(cls, root: str | Path) -> ProjectFile:
        """Parse `<root>/sid.toml` (UTF-8 TOML)."""
        root = Path(root).resolve()
        file = root / PROJECT_FILE
        if not root.is_dir():
            raise SidError(ErrorCode.PROJECT_MISSING, f"project folder {root} does not exist",
                           fix="Pass an existing folder with --project.")
        if not file.is_file():
            raise SidError(ErrorCode.PROJECT_MISSING, f"no {PROJECT_FILE} in {root}",
                           fix="Run sid in a survey project folder or pass --project DIR.")
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise SidError(ErrorCode.CONFIG_INVALID, f"not UTF-8 text ({exc.reason})", file=file,
                           fix="Save sid.toml as UTF-8.") from None
        except tomllib.TOMLDecodeError as exc:
            raise SidError(ErrorCode.CONFIG_INVALID, f"not valid TOML: {exc}", file=file,
                           fix="Fix the syntax at that line.") from None
        return cls(root, file, data)

    def fail(self, key: str, message: str, fix: str | None = None) -> SidError:
        """The error about `key` (its dotted name); by default the advice is to correct it."""
        return SidError(ErrorCode.CONFIG_INVALID, f"{key}: {message}", file=self.file,
                        fix=fix or f"Correct {key} in sid.toml (every key is described in docs/sid-toml.md).")

    def check_keys(self, table: dict[str, Any], allowed: Iterable[str], where: str) -> None:
        """A key that is not `allowed` (a typo) is an error, not a setting silently ignored."""
        allowed = set(allowed)
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.fail(f"{where}{unknown[0]}", "unknown key", fix=f"Allowed here: {', '.join(sorted(allowed))}.")

    def _table(self, value: Any, key: str, allowed: Iterable[str]) -> dict[str, Any]:
        """`value`, which must be a table with only `allowed` keys."""
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        self.check_keys(value, allowed, f"{key}.")
        return value

    def values(self, cls: type, name: str) -> dict[str, Any]:
        """The values of `cls`'s keys in [name] (an absent table is an empty one)."""
        return self._read(cls, self._table(self.data.get(name, {}), name, _keys(name, cls)), name, name)

    def sections(self, cls: type, **given: Any) -> dict[str, Any]:
        """`given`, and every other field of `cls` (the project) that holds a section's dataclass,
        read from its table by the generic reader; an absent table whose field defaults to None
        gives None, any other gives its dataclass read from an empty table."""
        found = dict(given)
        for f in dataclasses.fields(cls):
            section = _members(_hints(cls)[f.name])[0]
            if f.name not in given and dataclasses.is_dataclass(section):
                absent = f.name not in self.data and f.default is None
                found[f.name] = None if absent else section(**self.values(section, f.name))
        return found

    def _read(self, cls: type, table: dict[str, Any], name: str, key: str,
              defaults: Mapping[str, Any] = {}) -> dict[str, Any]:
        """The keyword arguments of `cls` from `table`, the [name] at `key`: `defaults` (for the
        fields that are not keys of this table, too), then each key's value, checked; an absent
        key takes `defaults[key]`, else the field's default, else what its `derive` computes."""
        values = dict(defaults)
        derived = []
        for f in _settings(cls, name):
            meta = f.metadata[Setting]
            if f.name in table:
                values[f.name] = self._value(_hints(cls)[f.name], meta, table[f.name], f"{key}.{f.name}")
            elif f.name in defaults:
                continue
            elif f.default is not dataclasses.MISSING:
                values[f.name] = (self.root / f.default).resolve() if isinstance(f.default, Path) else f.default
            elif meta.derive:
                derived.append(f)
            else:
                raise self.fail(f"{key}.{f.name}", "is required")
        for f in derived:
            meta = f.metadata[Setting]
            values[f.name] = self._value(_hints(cls)[f.name], meta, meta.derive(values), f"{key}.{f.name}")
        return values

    def _value(self, tp: Any, meta: Setting, value: Any, key: str) -> Any:
        """`value` of `key` (of type `tp`), read by its hook or by its type, then tested."""
        try:
            result = meta.read(value, self.root) if meta.read else _typed(tp, value, self.root)
            right = meta.test is None or meta.test(result)
        except WrongType:
            right = False
        except Invalid as exc:
            raise self.fail(key, str(exc), exc.fix or meta.fix) from None
        if not right:
            raise self.fail(key, (meta.expect or _wording(tp)).format(value=value), meta.fix)
        return result

    def sources(self, cls: type, name: str) -> tuple[Any, ...]:
        """[[name]]: an array of tables, each read into `cls`; their names must be unique."""
        array = self.data.get(name, [])
        if not isinstance(array, list):
            raise self.fail(name, f"must be an array of tables: [[{name}]]")
        found = []
        for i, table in enumerate(array, start=1):
            key = f"{name}[{i}]"
            found.append(cls(**self._read(cls, self._table(table, key, _keys(name, cls)), name, key)))
        names = [s.name for s in found]
        if len(set(names)) != len(names):
            raise self.fail(name, "source names must be unique")
        return tuple(found)

    def file_table(self, name: str, source: type, cls: type | None = None, **defaults: Any) -> Any:
        """[name], a table that names a file: the keys of `source` it takes, read into a `source`
        called `name`; with `cls`, also `cls`'s keys, read into `cls(source, ...)`, `defaults`
        filling in absent ones. None when the table is absent."""
        if name not in self.data:
            return None
        classes = (source, cls) if cls else (source,)
        table = self._table(self.data[name], name, _keys(name, *classes))
        file = source(**self._read(source, table, name, name, {"name": name}))
        return cls(file, **self._read(cls, table, name, name, defaults)) if cls else file

    def missing(self, scheme: Any, name: str) -> Any:
        """[name]: `scheme`, whose `codes` each have a `role`, with what the file says per role
        (a table of the code's keys); roles it leaves out keep the scheme's code."""
        table = self._table(self.data.get(name, {}), name, (code.role for code in scheme.codes))
        codes = []
        for default in scheme.codes:
            key = f"{name}.{default.role}"
            entry = table.get(default.role, {})
            if not isinstance(entry, dict):
                raise self.fail(key, 'must be a table like { code = -1, label = "weet niet" }')
            cls = type(default)
            self.check_keys(entry, _keys(name, cls), f"{key}.")
            codes.append(cls(**self._read(cls, entry, name, key, vars(default))))
        if len({code.code for code in codes}) != len(codes):
            raise self.fail(name, "each missing-value role needs its own code")
        return dataclasses.replace(scheme, codes=tuple(codes))
