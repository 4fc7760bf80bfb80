"""The export's numpy shortcuts (session 30) against the careful paths they stand beside, on files
written by others (pyreadstat's test files: labels, missing values and ranges, dates, long and
non-ASCII texts) and on columns made to be awkward (infinities, -0.0, numbers beyond 2**53,
fractions, values without a label): each shortcut gives what the careful path gives, or stands aside."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyreadstat
import pytest

from pipeline.delivery import codebook, companions
from pipeline.delivery.export import SpssDictionary, SpssVariable
from pipeline.tables import excel_safe

FILES = sorted((Path(__file__).parent / "pyreadstat_files").glob("*.sav"))


def awkward(rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(30)
    codes = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, -1.0, -3.0, np.nan], rows)
    frame = pd.DataFrame({
        "item": codes,
        "item_unlabelled": np.where(np.arange(rows) == rows // 2, 6.0, codes),  # one value without a label
        "item_zero": rng.choice([0.0, -0.0, 1.0, np.nan], rows),
        "fraction": np.where(np.arange(rows) == 3, 2.5, codes),
        "infinite": np.where(np.arange(rows) == 7, np.inf, codes),
        "minus_infinite": np.where(np.arange(rows) == 7, -np.inf, codes),
        "huge": np.where(np.arange(rows) == 9, 2.0 ** 60, codes),
        "beyond_int64": np.where(np.arange(rows) == 9, 1e20, codes),
        "edge_2_53": np.where(np.arange(rows) == 11, 2.0 ** 53, codes),
        "empty": np.full(rows, np.nan),
        "float32": codes.astype("float32"),
        "nullable": pd.array(np.where(np.isnan(codes), None, codes), dtype="Float64"),
        "ints": rng.integers(-5, 5, rows),
        "text": rng.choice(["a", "=1+1", "-3", "+x", "", "tab\tx", "ü"], rows).astype(object),
        "when": pd.Timestamp("2026-03-02 10:00:00") + pd.to_timedelta(rng.integers(0, 10**7, rows), unit="s"),
    })
    return frame


def frames():
    for path in FILES:
        data, meta = pyreadstat.read_sav(str(path), user_missing=True)
        yield path.stem, data, meta
    yield "awkward", awkward(), None


def arrow_whole(column: pd.Series) -> bool:
    """The careful judgement: Arrow's safe cast of the whole column to int64."""
    try:
        pc.cast(pa.array(column, from_pandas=True), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


@pytest.mark.parametrize("name,data,meta", list(frames()), ids=[f[0] for f in frames()])
def test_numpy_judges_whole_columns_as_arrow_s_cast_or_stands_aside(name, data, meta):
    judged = 0
    for column in data.columns:
        if not pd.api.types.is_float_dtype(data[column]):
            continue
        plain = companions._plainly_whole(data[column])
        if plain is not None:
            judged += 1
            assert plain == arrow_whole(data[column]), column
        assert (column in companions._whole_number_columns(data)) == arrow_whole(data[column]), column
    if name == "awkward":
        assert judged == 5  # and it stood aside for the infinities and the numbers from 2**53 up
        assert companions._plainly_whole(data["infinite"]) is None
        assert companions._plainly_whole(data["huge"]) is None and companions._plainly_whole(data["edge_2_53"]) is None


def reference_csv(data: pd.DataFrame, target: Path) -> bytes:
    """The CSV as written before the shortcuts: the whole table through pandas' conversion, whole
    numbers by Arrow's safe cast, texts made Excel-safe, timestamps ISO 8601."""
    texts = [c for c in data.columns if not (pd.api.types.is_numeric_dtype(data[c])
                                             or pd.api.types.is_datetime64_any_dtype(data[c]))]
    numbers = pa.Table.from_pandas(data.drop(columns=texts), preserve_index=False)
    safe = excel_safe(data[texts]) if texts else None
    columns = []
    for name in data.columns:
        if name in texts:
            column = pa.array(safe[name].astype(object), type=pa.string(), from_pandas=True)
        else:
            column = numbers.column(name)
            if pd.api.types.is_float_dtype(data[name]) and arrow_whole(data[name]):
                column = pc.cast(column, pa.int64())
            elif pa.types.is_timestamp(column.type):
                seconds = pc.cast(pc.cast(column, pa.timestamp("s"), safe=False), pa.string())
                column = pc.replace_substring(seconds, " ", "T", max_replacements=1)
        columns.append(column)
    table = pa.table(columns, names=[str(c) for c in data.columns])
    pacsv.write_csv(table, target, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return target.read_bytes()


@pytest.mark.parametrize("name,data,meta", list(frames()), ids=[f[0] for f in frames()])
def test_csv_is_the_file_the_careful_path_writes(name, data, meta, tmp_path, monkeypatch):
    if name == "awkward":  # the CSV of the SPSS frame never holds these; the careful path refuses them too
        data = data.drop(columns=["beyond_int64"])
    for column in data.columns:  # texts as the SPSS frame holds them (pyreadstat gives dates as objects)
        if data[column].dtype == object or pd.api.types.is_string_dtype(data[column]):
            data[column] = data[column].astype("string").fillna("").astype(object)
    expected = reference_csv(data, tmp_path / "reference.csv")
    assert companions.write_data_csv(data, tmp_path / "whole.csv").read_bytes() == expected
    monkeypatch.setattr(companions, "_BATCH_CELLS", 3 * data.shape[1])  # 3 rows a batch
    assert companions.write_data_csv(data, tmp_path / "batched.csv").read_bytes() == expected


def variables_of(data: pd.DataFrame, meta) -> list[SpssVariable]:
    """The numeric variables as the export's dictionary holds them: pyreadstat's labels and missing
    declarations (a one-value range as a value, as sid declares them); the awkward frame's with
    labels 1-5, missing codes -1 and -3 (and a range)."""
    out = []
    for name in data.columns:
        if data[name].dtype != np.dtype("float64"):
            continue
        if meta is None:
            labels = {float(c): f"label {c}" for c in (1, 2, 3, 4, 5, -1, -3)}
            missing = [-1.0, -3.0] if name != "item_zero" else [{"lo": -9.0, "hi": -0.5}]
        else:
            labels = {float(c): t for c, t in meta.variable_value_labels.get(name, {}).items()}
            missing = [r["lo"] if r["lo"] == r["hi"] else dict(r) for r in meta.missing_ranges.get(name, [])]
        for measure in ("nominal", "ordinal", "scale"):
            out.append(SpssVariable(name=name, source=name, label=name, kind="numeric", format="F8.2",
                                    measure=measure, value_labels=labels, missing=missing))
    return out


@pytest.mark.parametrize("name,data,meta", list(frames()), ids=[f[0] for f in frames()])
def test_codebook_counts_and_figures_are_value_counts(name, data, meta):
    for v in variables_of(data, meta):
        column = data[v.name]
        found = column.value_counts(dropna=True)
        careful = dict(zip(found.index.astype(float), found.to_numpy()))
        assert codebook._counts(v, column) == careful, v.name
        assert codebook._summary(v, column, codebook._counts(v, column)) == codebook._summary(v, column), v.name
    if name == "awkward":  # the shortcut counted the labelled columns, and stood aside for the others
        by_name = {v.name: v for v in variables_of(data, meta)}
        assert codebook._labelled_counts(by_name["item"], data["item"]) is not None
        assert codebook._labelled_counts(by_name["item_zero"], data["item_zero"]) is None  # 0 has no label
        assert codebook._labelled_counts(by_name["item_unlabelled"], data["item_unlabelled"]) is None


@pytest.mark.parametrize("name,data,meta", list(frames()), ids=[f[0] for f in frames()])
def test_parquet_frame_is_the_careful_one(name, data, meta, monkeypatch):
    variables = variables_of(data, meta)
    if not variables:
        return
    # one measure per column, in turn
    dictionary = SpssDictionary(tuple(variables[3 * i + i % 3] for i in range(len(variables) // 3)), "t", (), ())
    fast = companions.parquet_frame(data, dictionary)
    monkeypatch.setattr(companions, "_FEW_CODES", 0)  # label positions by binary search
    monkeypatch.setattr(companions, "_plain_integers", lambda values: False)  # companions by pandas' cast
    careful = companions.parquet_frame(data, dictionary)
    pd.testing.assert_frame_equal(fast, careful, check_exact=True)
    assert pa.Table.from_pandas(fast).equals(pa.Table.from_pandas(careful))
    assert json.loads(pa.Table.from_pandas(fast).schema.metadata[b"pandas"]) == \
        json.loads(pa.Table.from_pandas(careful).schema.metadata[b"pandas"])


def test_a_companion_beyond_int64_keeps_its_numbers():
    """A missing codes' companion of whole numbers too large for an int64 (1e20) is the float column
    itself, not a crash (pandas' Int64 cast refuses it) and not a changed value."""
    x = np.array([1e20, -9.0, np.nan, 3.0])
    column = pd.Series(x, name="c")
    out = companions._as_int64(column, x)
    pd.testing.assert_series_equal(out, column, check_exact=True)
    fits = np.array([2.0 ** 62, -9.0, np.nan])  # whole and within an int64: Int64, exactly
    assert companions._as_int64(pd.Series(fits), fits).tolist() == [2 ** 62, -9, pd.NA]


def test_int64_companion_built_directly_is_pandas_cast():
    x = np.array([1.0, np.nan, -3.0, 0.0, -0.0, 2.0 ** 52, -(2.0 ** 52)])
    column = pd.Series(x, name="c")
    direct = companions._as_int64(column, x, whole=True)
    pd.testing.assert_series_equal(direct, column.astype("Int64"), check_exact=True)
    assert pa.array(direct).equals(pa.array(column.astype("Int64")))
