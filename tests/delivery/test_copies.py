"""The CSV and Parquet copies of the data: written a part at a time (rows for the CSV, variables
for the Parquet table), they are the same files as written at once."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline.delivery import companions
from pipeline.delivery.export import spss_frame
from pipeline.survey.questionnaire import load_questionnaire


def answers(rows: int = 60) -> pd.DataFrame:
    """The tiny form's answers, repeated: a fraction in the calculated age only in the last row, a
    text that starts like a formula only late, a register number typed as text, empty cells."""
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "resp_id": [f"R{i}" for i in range(rows)],
        "start": pd.Timestamp("2026-03-02 10:00:00") + pd.to_timedelta(rng.integers(0, 10**6, rows), unit="s"),
        "end": pd.Timestamp("2026-03-20 10:00:00") + pd.to_timedelta(rng.integers(0, 10**6, rows), unit="s"),
        "geboortejaar": rng.integers(1940, 2011, rows).astype("float64"),
        "werk": rng.choice([1.0, 0.0, -2.0], rows),
        "tevreden": rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, -1.0, -3.0, np.nan], rows),
        "geboorteland": rng.choice(["BE", "MA", "other", "-1"], rows),
        "talen": rng.choice(["nl", "nl ar", "other", "-3"], rows),
        "talen_anders": rng.choice(["", "Berbers", "Koerdisch"], rows).astype(object),
        "leeftijd": rng.integers(15, 86, rows).astype("float64"),
    })
    frame.loc[rows - 1, "leeftijd"] = 40.5
    frame.loc[rows - 2, "talen_anders"] = "=HYPERLINK(1)"
    frame.loc[rows - 3, "talen_anders"] = None
    return frame


@pytest.fixture
def coded(tiny_form):
    data, dictionary, _ = spss_frame(answers(), load_questionnaire(tiny_form), language="nl", key="resp_id",
                                     title="Kleine toetsenquête")
    return data, dictionary


def test_csv_in_row_batches_is_the_file_written_at_once(coded, tmp_path, monkeypatch):
    data, _ = coded
    whole = companions.write_data_csv(data, tmp_path / "whole.csv").read_bytes()
    monkeypatch.setattr(companions, "_BATCH_CELLS", 7 * data.shape[1])  # 7 rows a batch: 9 batches
    batched = companions.write_data_csv(data, tmp_path / "batched.csv").read_bytes()
    assert batched == whole
    back = pd.read_csv(tmp_path / "batched.csv", dtype=str, keep_default_na=False)
    assert back["leeftijd"].astype(float).tolist() == data["leeftijd"].tolist()
    assert back["leeftijd"].iloc[-1] == "40.5"
    assert back["geboortejaar"].iloc[0] == str(int(data["geboortejaar"].iloc[0]))  # whole numbers: no .0
    assert back["talen_anders"].iloc[-2] == "'=HYPERLINK(1)"
    assert back["start"].iloc[0] == data["start"].iloc[0].strftime("%Y-%m-%dT%H:%M:%S")
    assert len(back) == len(data)


def test_csv_of_no_rows_has_the_header(coded, tmp_path):
    data, _ = coded
    path = companions.write_data_csv(data.iloc[:0], tmp_path / "empty.csv")
    assert path.read_text(encoding="utf-8").splitlines() == [",".join(f'"{c}"' for c in data.columns)]


def test_parquet_built_per_batch_of_variables_is_the_file_built_at_once(coded, tmp_path, monkeypatch):
    data, dictionary = coded
    monkeypatch.setattr(companions, "_BATCH_COLUMNS", 10_000)
    whole = companions.write_data_parquet(data, dictionary, tmp_path / "whole.parquet").read_bytes()
    monkeypatch.setattr(companions, "_BATCH_COLUMNS", 2)
    batched = companions.write_data_parquet(data, dictionary, tmp_path / "batched.parquet")
    assert batched.read_bytes() == whole
    # and both are the frame parquet_frame gives, with its pandas metadata
    expected = companions.parquet_frame(data, dictionary)
    pd.testing.assert_frame_equal(pd.read_parquet(batched), expected, check_exact=True, check_dtype=False)
    assert [str(t) for t in pd.read_parquet(batched).dtypes if str(t) == "category"] == \
        [str(t) for t in expected.dtypes if str(t) == "category"]
    schema = pq.read_schema(batched)
    assert schema.metadata[b"sid_file_label"] == dictionary.file_label.encode()
    assert b'"measure": "ordinal"' in schema.field("tevreden").metadata[b"sid"]


def test_parquet_frame_labels_codes_and_keeps_missing_codes(coded):
    data, dictionary = coded
    out = companions.parquet_frame(data, dictionary)
    tevreden = dictionary["tevreden"]
    labels = {c: t for c, t in tevreden.value_labels.items() if c > 0}
    expected = data["tevreden"].map(labels)  # a label per valid code, missing codes and empty cells: null
    assert out["tevreden"].astype(object).where(out["tevreden"].notna(), None).tolist() == \
        expected.astype(object).where(expected.notna(), None).tolist()
    assert out["tevreden"].cat.ordered and list(out["tevreden"].cat.categories) == [labels[c] for c in sorted(labels)]
    assert out["tevreden_code"].tolist() == data["tevreden"].astype("Int64").tolist()
    assert out["leeftijd"].dtype == "float64" and "leeftijd_code" not in out  # scale, no missing codes
