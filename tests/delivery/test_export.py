"""The .sav and .sps written from a form and a frame: data and metadata, read back and in PSPP."""

import pandas as pd
import pyreadstat
import pytest
from conftest import run_pspp

from pipeline.delivery.export import check_sav, export, spss_frame
from pipeline.errors import SidError
from pipeline.survey.questionnaire import load_questionnaire

MISSING_LABELS = {-9.0: "geen antwoord", -4.0: "ongeldig", -3.0: "niet van toepassing",
                  -2.0: "wil niet antwoorden", -1.0: "weet niet"}


def tiny_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "resp_id": ["R1", "R2", "R3"],
        "start": pd.to_datetime(["2026-03-02 10:00:00", "2026-03-03 11:00:00", "2026-03-04 09:15:00"]),
        "end": pd.to_datetime(["2026-03-02 10:31:00", "2026-03-03 11:25:10", "2026-03-04 09:50:00"]),
        "geboortejaar": [1980.0, 1999.0, 1975.0],
        "werk": [1.0, 0.0, 1.0],
        "tevreden": [4.0, -3.0, -1.0],
        "geboorteland": ["BE", "MA", "other"],
        "talen": ["nl", "nl ar other", "-3"],
        "talen_anders": [None, "Berbers", None],
        "leeftijd": [46.0, 27.0, 51.0],
    })


@pytest.fixture
def written(tiny_form, tmp_path):
    form = load_questionnaire(tiny_form)
    result = export(tiny_frame(), form, sav=tmp_path / "out" / "tiny.sav", sps=tmp_path / "out" / "tiny.sps",
                    language="nl", key="resp_id", title="Kleine toetsenquête")
    return form, result


def test_data_read_back(written):
    _, result = written
    data, meta = pyreadstat.read_sav(str(result.sav), user_missing=True)
    assert list(data.columns) == ["resp_id", "start", "end", "geboortejaar", "werk", "tevreden",
                                  "geboorteland", "talen_nl", "talen_ar", "talen_other",
                                  "talen_anders", "leeftijd"]
    assert data["geboorteland"].tolist() == [1.0, 2.0, 3.0]
    assert data["tevreden"].tolist() == [4.0, -3.0, -1.0]
    assert data["talen_nl"].tolist() == [1.0, 1.0, -3.0]
    assert data["talen_ar"].tolist() == [0.0, 1.0, -3.0]
    assert data["talen_anders"].tolist() == ["", "Berbers", ""]
    assert data["start"].iloc[1] == pd.Timestamp("2026-03-03 11:00:00")
    assert (result.rows, result.columns) == (3, 12)


def test_metadata_follows_the_form(written):
    _, result = written
    _, meta = pyreadstat.read_sav(str(result.sav), metadataonly=True, user_missing=True)
    labels = dict(zip(meta.column_names, meta.column_labels))
    assert labels["tevreden"] == "Hoe tevreden bent u met uw werk?"
    assert labels["talen_ar"] == "Welke talen spreekt u thuis?: Arabisch"
    assert labels["leeftijd"] == "berekend: 2026 - ${geboortejaar}"
    assert labels["start"] == "Starttijd van het interview"
    assert meta.variable_value_labels["geboorteland"] == {
        1.0: "België", 2.0: "Marokko", 3.0: "Ander land", **MISSING_LABELS}
    assert meta.variable_value_labels["talen_nl"] == {0.0: "niet gekozen", 1.0: "gekozen", **MISSING_LABELS}
    assert meta.missing_ranges["werk"] == [{"lo": -9.0, "hi": -1.0}]
    assert "talen_anders" not in meta.missing_ranges
    assert meta.variable_measure["tevreden"] == "ordinal"
    assert meta.variable_measure["werk"] == "nominal"
    assert meta.variable_measure["geboortejaar"] == "scale"
    assert meta.original_variable_types["geboortejaar"] == "F4.0"
    assert meta.original_variable_types["talen_anders"] == "A7"
    assert meta.original_variable_types["start"] == "DATETIME20"
    assert meta.file_label == "Kleine toetsenquête"
    assert meta.notes[1] == "Vragenlijst tiny versie 1"


def test_labels_in_another_language(tiny_form, tmp_path):
    form = load_questionnaire(tiny_form)
    _, dictionary, _ = spss_frame(tiny_frame(), form, language="en", key="resp_id", title="t")
    assert dictionary["werk"].label == "Paid work?"
    assert dictionary["werk"].value_labels[1.0] == "yes"
    assert dictionary["talen_ar"].value_labels[1.0] == "selected"


def test_unknown_choice_refuses_export_and_writes_nothing(tiny_form, tmp_path):
    frame = tiny_frame()
    frame.loc[0, "geboorteland"] = "XX"
    with pytest.raises(SidError, match=r"geboorteland: 1 answer\(s\) not in choice list 'land': 'XX'"):
        export(frame, load_questionnaire(tiny_form), sav=tmp_path / "x.sav", sps=tmp_path / "x.sps",
               language="nl", key="resp_id", title="t")
    assert list(tmp_path.glob("x.*")) == []


def test_long_strings_kept_whole_and_very_long_cut(tiny_form, tmp_path):
    frame = tiny_frame()
    frame.loc[0, "talen_anders"] = "ç" * 400  # 800 bytes: a very long string in SPSS terms
    frame.loc[1, "talen_anders"] = "x" * 40000
    result = export(frame, load_questionnaire(tiny_form), sav=tmp_path / "x.sav", sps=tmp_path / "x.sps",
                    language="nl", key="resp_id", title="t")
    data, meta = pyreadstat.read_sav(str(result.sav))
    assert data["talen_anders"].iloc[0] == "ç" * 400
    assert len(data["talen_anders"].iloc[1]) == 32767
    assert meta.original_variable_types["talen_anders"] == "A32767"
    assert result.warnings == ("talen_anders: 1 text(s) longer than 32767 bytes cut",)


def test_generated_names_give_way_to_form_names(tmp_path):
    from conftest import c, q, write_xlsform

    survey = [q("text", "id", "Id"), q("select_multiple m", "m", "M"), q("text", "m_x", "Tekst"),
              q("integer", "with", "Gereserveerd")]
    form = load_questionnaire(write_xlsform(tmp_path / "f.xlsx", survey, [c("m", "x", "X"), c("m", "-1", "wn")]))
    frame = pd.DataFrame({"id": ["1"], "m": ["x"], "m_x": ["t"], "with": [3.0]})
    data, dictionary, _ = spss_frame(frame, form, language="nl", key="id", title="t")
    assert list(data.columns) == ["id", "m_x_2", "m_m1", "m_x", "with_v"]
    assert dictionary.renamed == {"m_x": "m_x_2", "with": "with_v"}
    # one answer choice and a don't-know (not counted): no set, which needs two variables
    assert dictionary.mrsets == ()


def test_check_sav_reports_a_mismatch(written, tiny_form):
    form, result = written
    _, dictionary, _ = spss_frame(tiny_frame(), form, language="en", key="resp_id", title="Kleine toetsenquête")
    problems = check_sav(result.sav, dictionary)
    assert "werk: label 'Heeft u betaald werk?' != 'Paid work?'" in problems


def test_failed_write_leaves_previous_file(written, tiny_form, monkeypatch):
    form, result = written
    before = result.sav.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pyreadstat, "write_sav", broken)
    with pytest.raises(OSError):
        export(tiny_frame(), form, sav=result.sav, sps=result.sps, language="nl", key="resp_id", title="t")
    assert result.sav.read_bytes() == before
    assert sorted(p.name for p in result.sav.parent.iterdir()) == ["tiny.sav", "tiny.sps"]


@pytest.mark.pspp
def test_pspp_reads_dictionary_and_runs_mrsets(written, tmp_path):
    _, result = written
    code, tables, text = run_pspp(
        f"GET FILE='{result.sav}'.\nDISPLAY DICTIONARY.\nINCLUDE FILE='{result.sps}'.\n", tmp_path)
    assert code == 0, text
    assert "error" not in text.lower()
    variables = {row[0]: row for row in tables["Variables"][1:]}
    assert variables["tevreden"][2:4] == ["Hoe tevreden bent u met uw werk?", "Ordinal"]
    assert variables["werk"][9] == "-9 THRU -1"
    assert variables["geboortejaar"][7] == "F4.0"
    mrsets = tables["Multiple Response Sets"]
    assert mrsets[1][:4] == ["$talen", "Welke talen spreekt u thuis?", "Dichotomies", "1"]
    assert mrsets[1][4].split() == ["talen_nl", "talen_ar", "talen_other"]
