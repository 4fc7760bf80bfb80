"""The vectorised .sav writer (pipeline/delivery/savwriter.py) against pyreadstat's own write of
the same frame with the same arguments: the same bytes (all but the header's creation date and
time), the same cases read back by pyreadstat and by GNU PSPP, and pyreadstat writing the file
whole wherever the writer is not sure (a column kind it does not encode, a template row it encodes
differently from ReadStat)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import demo_copy, run_pspp
from typer.testing import CliRunner

from cli import app
from pipeline.delivery import savwriter
from pipeline.delivery.export import SpssDictionary, SpssVariable, check_sav, write_sav

FILES = Path(__file__).with_name("pyreadstat_files")


def untimed(path: Path) -> bytes:
    """The file's bytes without the creation date and time of its header (the moment of writing)."""
    raw = bytearray(path.read_bytes())
    raw[savwriter.HEADER_TIMESTAMP] = bytes(17)
    return bytes(raw)


def both_writers(frame: pd.DataFrame, folder: Path, **options) -> tuple[Path, Path, str | None]:
    folder.mkdir(parents=True, exist_ok=True)
    old, new = folder / "pyreadstat.sav", folder / "vectorised.sav"
    pyreadstat.write_sav(frame, str(old), **options)
    reason = savwriter.write_sav(frame, new, **options)
    return old, new, reason


def plain(frame: pd.DataFrame) -> dict[str, list]:
    """Cases as comparable lists: numbers (NaN as None), datetimes to the millisecond (SPSS seconds
    since 1582 in a double hold about 2 µs), texts without
    trailing spaces (missing as empty: the .sav has no missing text)."""
    out = {}
    for name, column in frame.items():
        if pd.api.types.is_datetime64_any_dtype(column):
            out[name] = [None if pd.isna(v) else v.round("ms") for v in column]
        elif pd.api.types.is_numeric_dtype(column):
            out[name] = [None if np.isnan(v) else float(v) for v in column.astype("float64")]
        else:
            out[name] = [v.rstrip(" ") if isinstance(v, str) else ("" if pd.isna(v) else v) for v in column]
    return out


def pspp_reads(sav: Path, folder: Path) -> pd.DataFrame:
    """GNU PSPP opens the file (no error, every variable in its dictionary), saves its own copy;
    the cases of that copy, as pyreadstat reads them."""
    copy = folder / "pspp_copy.sav"
    code, tables, text = run_pspp(f"SET TVARS=NAMES.\nGET FILE='{sav}'.\nDISPLAY DICTIONARY.\n"
                                  f"SAVE OUTFILE='{copy}'.\n", folder)
    assert code == 0 and "error" not in text.lower(), text
    _, meta = pyreadstat.read_sav(str(sav), metadataonly=True)
    assert [row[0] for row in tables["Variables"][1:]] == meta.column_names
    return pyreadstat.read_sav(str(copy), user_missing=True)[0]


def edge_frame(rows: int = 60) -> pd.DataFrame:
    """NaN and NaT, empty and missing texts, non-ASCII (é, ğ, ł, ț, Arabic, CJK), texts of exactly 8,
    255, 256, 300 and 1000 bytes (a 2-byte character across a 255-byte piece), datetimes before
    1900, around 1970 and with fractions of a second in ns/us/ms, all-missing columns."""
    rng = np.random.default_rng(7)
    pick = lambda values: [values[i] for i in rng.integers(0, len(values), rows)]  # noqa: E731
    stamps = pd.Series(pd.to_datetime(pick(["1899-12-31 23:59:59.999999999", "1969-12-31 23:59:59.5",
                                            "1970-01-01 00:00:00", "2026-03-16 11:43:20.123456789", None]),
                                      format="ISO8601"), dtype="datetime64[ns]")
    return pd.DataFrame({
        "number": rng.normal(size=rows) * 1e6,
        "code": np.where(rng.random(rows) < .3, np.nan, rng.integers(-9, 9, rows)).astype("float64"),
        "text": np.array(pick(["", "abc", "é ğ ł ț", "مرحبا بالعالم", "日本語", "x y "]), dtype=object),
        "w8": np.array(pick(["a" * 8, "ł" * 4, ""]), dtype=object),
        "w255": np.array(pick(["b" * 255, "", "ę"]), dtype=object),
        "w256": np.array(pick(["é" * 128, "c"]), dtype=object),
        "w300": np.array(pick(["ț" * 150, "", "z" * 299]), dtype=object),
        "w1000": np.array(pick(["ł" * 500, "a" + "ğ" * 499, "ش" * 3]), dtype=object),
        "stamp_ns": stamps,
        "stamp_us": stamps.astype("datetime64[us]"),
        "stamp_ms": stamps.astype("datetime64[ms]"),
        "no_number": np.full(rows, np.nan),
        "no_text": np.array([None] * rows, dtype=object),
        "empty_text": np.array([""] * rows, dtype=object),
        "pandas_text": pd.array(pick(["ja", None, "nee"]), dtype="string"),
        "mixed_missing": np.array(pick(["oui", None, np.nan, ""]), dtype=object),
    })


EDGE_OPTIONS = dict(
    file_label="Samenleven – test ł",
    column_labels={"number": "Een getal", "text": "Tekst met é", "w1000": "lang"},
    variable_value_labels={"code": {1.0: "één", -9.0: "weet niet"}, "text": {"abc": "ABC", "é ğ ł ț": "accenten"},
                           "w8": {"a" * 8: "acht", "a label value longer than every value": "lang"}},
    missing_ranges={"code": [{"lo": -9.0, "hi": -5.0}, -1.0], "text": ["abc"]},
    variable_measure={"number": "scale", "code": "nominal", "text": "nominal"},
    variable_format={"number": "F12.2", "stamp_ns": "DATETIME20", "stamp_us": "DATETIME23.2", "stamp_ms": "DATETIME23.2"},
    variable_display_width={"text": 30},
    note=["Documentregel één", "مرحبا"],
)


@pytest.mark.parametrize("case", ["edge", "one row", "all missing", "numbers only", "texts only", "no rows"])
def test_the_same_bytes_as_pyreadstat(tmp_path, case):
    frame = edge_frame()
    frame = {"edge": frame, "one row": frame.iloc[[5]], "no rows": frame.iloc[:0],
             "all missing": frame.iloc[:7].assign(**{c: None for c in frame.columns}).astype(frame.dtypes.to_dict()),
             "numbers only": frame[["number", "code", "no_number"]],
             "texts only": frame[["text", "w1000", "no_text"]]}[case].reset_index(drop=True)
    options = {k: ({c: v for c, v in o.items() if c in frame.columns} if isinstance(o, dict) else o)
               for k, o in EDGE_OPTIONS.items()}
    old, new, reason = both_writers(frame, tmp_path, **options)
    assert reason is None
    assert untimed(new) == untimed(old)
    read = lambda path: pyreadstat.read_sav(str(path), user_missing=True)[0]  # noqa: E731
    assert plain(read(new)) == plain(read(old))


def test_cases_read_back_by_pyreadstat_and_pspp_as_written(tmp_path):
    frame = edge_frame()
    _, new, reason = both_writers(frame, tmp_path, **EDGE_OPTIONS)
    assert reason is None
    back, meta = pyreadstat.read_sav(str(new), user_missing=True)
    assert meta.number_rows == len(frame)
    assert plain(back) == plain(frame)
    assert plain(pspp_reads(new, tmp_path)) == plain(frame)


def test_extreme_numbers_are_the_same_bytes(tmp_path):
    values = [np.inf, -np.inf, -0.0, 0.0, np.finfo(float).max, -np.finfo(float).max, 5e-324, np.nan, 1e300, -1.5]
    frame = pd.DataFrame({"x": np.array(values * 3, dtype="float64")})
    old, new, reason = both_writers(frame, tmp_path)
    assert reason is None and untimed(new) == untimed(old)


def test_many_blocks_are_the_same_bytes(tmp_path, monkeypatch):
    frame = pd.concat([edge_frame()] * 5, ignore_index=True)
    monkeypatch.setattr(savwriter, "BLOCK_BYTES", 3 * 4096)  # a few cases per block, the last one short
    old, new, reason = both_writers(frame, tmp_path, **EDGE_OPTIONS)
    assert reason is None and untimed(new) == untimed(old)


def pyreadstat_files() -> list[Path]:
    return sorted(FILES.glob("*.sav"))


def meta_options(meta) -> dict:
    """pyreadstat.write_sav arguments that carry a read file's dictionary over."""
    return dict(file_label=meta.file_label or "",
                column_labels={c: lab for c, lab in zip(meta.column_names, meta.column_labels) if lab},
                variable_value_labels=meta.variable_value_labels, missing_ranges=meta.missing_ranges,
                variable_measure={c: m for c, m in meta.variable_measure.items() if m != "unknown"},
                variable_format=dict(meta.original_variable_types),
                variable_display_width=meta.variable_display_width, note=meta.notes or None)


@pytest.mark.slow
@pytest.mark.parametrize("path", pyreadstat_files(), ids=lambda p: p.name)
def test_pyreadstat_test_files_written_again(tmp_path, path):
    """Files written by others (SPSS, PSPP, ReadStat): read, then written with both writers."""
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True, dates_as_pandas_datetime=True)
    options = meta_options(meta)
    old, new, reason = both_writers(frame, tmp_path / "whole", **options)
    assert untimed(new) == untimed(old)
    kept = [c for c in frame.columns if not pd.api.types.infer_dtype(frame[c], skipna=True) in ("date", "time")]
    if reason is not None:  # dates or times as Python objects: pyreadstat wrote it; the rest by the writer
        assert "date" in reason or "time" in reason, reason
        frame = frame[kept]
        options = {k: ({c: v for c, v in o.items() if c in kept} if isinstance(o, dict) else o)
                   for k, o in options.items()}
        old, new, reason = both_writers(frame, tmp_path / "kept", **options)
        assert untimed(new) == untimed(old)
    assert reason is None
    back = pyreadstat.read_sav(str(new), user_missing=True)[0]
    assert plain(back) == plain(pyreadstat.read_sav(str(old), user_missing=True)[0])
    assert plain(pspp_reads(new, new.parent)) == plain(back)


@pytest.mark.parametrize("column", [
    pd.Series([True, False, True]),
    pd.Series(["a", "b", "a"], dtype="category"),
    pd.Series([1, 2, 3], dtype="int64"),
    pd.Series([dt.date(2024, 1, 1), dt.date(2024, 1, 2), None], dtype=object),
    pd.Series(["a", 1, None], dtype=object),
    pd.Series(["a\x00b", "c", ""], dtype=object),
    pd.Series(pd.to_datetime(["2024-01-01", "2024-06-01", None]).tz_localize("Europe/Brussels")),
], ids=["bool", "category", "int64", "date objects", "mixed objects", "NUL in text", "time zone"])
def test_a_column_kind_the_writer_does_not_encode_is_written_by_pyreadstat(tmp_path, column):
    frame = pd.DataFrame({"x": [1.0, np.nan, 3.0], "c": column})
    old, new, reason = both_writers(frame, tmp_path)
    assert reason and "c" in reason
    assert untimed(new) == untimed(old)


def test_a_template_row_encoded_differently_is_written_by_pyreadstat(tmp_path, monkeypatch):
    """The self-check: any byte of the template's cases that differs from ReadStat's and the whole
    file is pyreadstat's, with the reason (here system-missing encoded as 0)."""
    frame = edge_frame()
    monkeypatch.setattr(savwriter, "SYSMIS", 0)
    old, new, reason = both_writers(frame, tmp_path, **EDGE_OPTIONS)
    assert reason.startswith("the vectorised .sav writer disagrees with ReadStat (template row 1, variable code")
    assert untimed(new) == untimed(old)
    dictionary = SpssDictionary((SpssVariable("code", "code", "", "numeric", "F8.2", "nominal"),), "", (), ())
    assert write_sav(frame[["code"]], dictionary, tmp_path / "x.sav") == (
        "x.sav: written by pyreadstat (the vectorised .sav writer disagrees with ReadStat "
        "(template row 1, variable code, byte 0))",)


def test_a_failure_of_the_writer_is_written_by_pyreadstat(tmp_path, monkeypatch):
    def broken(*args):
        raise ValueError("a bug")

    monkeypatch.setattr(savwriter, "encode", broken)
    old, new, reason = both_writers(edge_frame(), tmp_path, **EDGE_OPTIONS)
    assert reason == "the vectorised .sav writer failed: ValueError: a bug"
    assert untimed(new) == untimed(old)
    assert not list(tmp_path.glob("*.tmp"))  # the template is removed


def test_pyreadstat_can_be_forced(tmp_path, monkeypatch):
    monkeypatch.setenv(savwriter.FORCE_ENV, "pyreadstat")

    def refuse(*args):
        raise AssertionError("the vectorised writer ran")

    monkeypatch.setattr(savwriter, "_write", refuse)
    old, new, reason = both_writers(edge_frame(), tmp_path, **EDGE_OPTIONS)
    assert reason is None and untimed(new) == untimed(old)


def small_dictionary(frame: pd.DataFrame) -> SpssDictionary:
    kinds = {"f": ("numeric", "F8.2"), "M": ("datetime", "DATETIME20"), "O": ("string", None)}
    variables = []
    for name, column in frame.items():
        kind, fmt = kinds[column.dtype.kind]
        variables.append(SpssVariable(name, name, "", kind, fmt or f"A{max(1, column.str.len().max())}", "nominal"))
    return SpssDictionary(tuple(variables), "", (), ())


def test_the_read_back_check_finds_a_damaged_case(tmp_path):
    frame = pd.DataFrame({"x": np.arange(100, dtype="float64"), "t": ["abc"] * 100})
    dictionary = small_dictionary(frame)
    path = tmp_path / "f.sav"
    assert write_sav(frame, dictionary, path) == ()
    assert check_sav(path, dictionary, frame) == []
    raw = bytearray(path.read_bytes())
    raw[-16] ^= 0x40  # the last case's number
    path.write_bytes(raw)
    assert check_sav(path, dictionary, frame) == ["x: cases 81–100 read back differently"]
    assert check_sav(path, dictionary, frame.iloc[:99]) == ["100 cases written for 99 rows"]


def test_datetimes_in_seconds_are_delivered_as_they_are(tmp_path):
    """pyreadstat writes a datetime64[s] column as 1970-01-01 throughout; write_sav gives it the
    same instants in microseconds."""
    stamps = pd.Series(pd.to_datetime(["2026-03-16 11:43:20", None, "1950-01-01 00:00:00"])).astype("datetime64[s]")
    frame = pd.DataFrame({"t": stamps, "x": [1.0, 2.0, 3.0]})
    assert write_sav(frame, small_dictionary(frame), tmp_path / "t.sav") == ()
    assert pyreadstat.read_sav(str(tmp_path / "t.sav"))[0]["t"].tolist()[::2] == stamps.tolist()[::2]


@pytest.mark.slow
def test_the_demo_delivery_is_what_pyreadstat_writes(tmp_path_factory, monkeypatch):
    """`sid export` of the demo: its main file and its roster file, written by the vectorised writer,
    are pyreadstat's bytes for the same frames and arguments; PSPP reads each."""
    root = demo_copy(tmp_path_factory, tmp_path_factory.mktemp("savwriter") / "demo")
    written = []
    vectorised = savwriter.write_sav

    def both(data, path, **options):
        reason = vectorised(data, path, **options)
        reference = Path(path).with_name(Path(path).name + ".pyreadstat")
        pyreadstat.write_sav(data, str(reference), **options)
        written.append((reason, untimed(Path(path)) == untimed(reference), data, reference))
        reference.unlink()
        return reason

    monkeypatch.setattr(savwriter, "write_sav", both)
    result = CliRunner().invoke(app, ["--project", str(root), "export"])
    assert result.exit_code in (0, 1), result.output
    assert "written by pyreadstat" not in result.output
    assert len(written) == 2  # the main file and the household roster
    assert all(reason is None and same for reason, same, _, _ in written)
    for sav in (root / "cleaned" / "sid2026.sav", root / "cleaned" / "sid2026_huisgenoten.sav"):
        back = pyreadstat.read_sav(str(sav), user_missing=True)[0]
        assert plain(pspp_reads(sav, tmp_path_factory.mktemp("pspp"))) == plain(back)
