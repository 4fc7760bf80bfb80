"""The demo delivery opened in GNU PSPP as ABB's analysts would (docs/spss.md): labelled numbers
instead of bare strings, every missing code declared, MR sets, the documents, weighted counts."""

from __future__ import annotations

import re

import pyreadstat
import pytest
from conftest import demo_delivery, pspp_dictionary, run_pspp

from pipeline.delivery.conventions import country_number, language_number, short_label

# Strings a researcher may see without value labels: the id, open answers and the names of media.
OPEN_TEXT = re.compile(r"(_anders|_other|opmerkingen|beroep|vorige_gemeente)$")


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    cleaned = demo_delivery(tmp_path_factory) / "cleaned"
    return cleaned / "sid2026.sav", cleaned / "sid2026.sps"


def test_codes_of_a_standard_become_their_numbers():
    assert country_number("BE") == 56 and country_number("CD") == 180 and country_number("XK") == 910
    assert country_number("ZZZ") is None
    assert language_number("ara") == 1216 and language_number("nld") == 14 * 729 + 12 * 27 + 4


def test_short_labels_drop_remarks_then_cut_at_a_word():
    text = ("Herkomstgroep volgens de Vlaamse definitie (berekend: eerste nationaliteit van de vader, "
            "anders van de moeder, anders de eigen)")
    assert short_label(text) == "Herkomstgroep volgens de Vlaamse definitie"
    cut = short_label("woord " * 30)
    assert len(cut) <= 80 and cut.endswith("woord…")


@pytest.mark.pspp
@pytest.mark.slow
def test_pspp_sees_labelled_numbers_declared_missing_mr_sets_documents(delivery, tmp_path):
    sav, sps = delivery
    variables, value_labels, user_missing, _ = pspp_dictionary(sav, tmp_path)
    strings = {n for n, v in variables.items() if v["Print Format"].startswith("A")}
    unlabelled = {n for n in strings if not value_labels.get(n)}
    assert unlabelled - {"respondent_id"} == {n for n in unlabelled if OPEN_TEXT.search(n)}, unlabelled
    assert {"herkomstgroep", "stratum", "steekproef_geslacht", "steekproef_geboortejaar", "nis_code",
            "geboorteland_iso", "moedertaal_iso", "beroep_isco", "diploma_isced"}.isdisjoint(strings)
    assert value_labels["herkomstgroep"][504.0] == "Marokko"
    assert variables["diploma_isced"]["Measurement Level"] == "Ordinal"
    assert variables["interviewer_id"]["Measurement Level"] == "Nominal"
    assert variables["herkomst_buitenl"]["Measurement Level"] == "Nominal"
    assert value_labels["herkomst_buitenl"][0.0] == "nee" and value_labels["herkomst_buitenl"][1.0] == "ja"
    assert variables["gewicht"]["Print Format"] == "F8.4"
    # every numeric variable with labelled missing codes declares them all missing
    for name, labels in value_labels.items():
        negative = {c for c in labels if isinstance(c, float) and c < 0}
        if negative:
            assert negative <= user_missing.get(name, set()), name
    assert all(len(v["Label"]) <= 80 for v in variables.values())
    names = list(variables)
    assert names.index("beroep_isco") == names.index("beroep") + 1
    assert names.index("geboorteland_iso") == names.index("geboorteland_anders") + 1

    # MR sets: the writer cannot store them (docs/spss.md), the .sps defines them after GET FILE
    _, _, _, mrsets = pspp_dictionary(sav, tmp_path, sps)
    sets = {row[0]: row[4].split() for row in mrsets[1:]}
    assert "$discr_grond" in sets and "discr_grond_m1" not in sets["$discr_grond"]
    assert not any(name.endswith(("_m1", "_m2")) for members in sets.values() for name in members)

    code, tables, text = run_pspp(
        f"GET FILE='{sav}'.\nDISPLAY DOCUMENTS.\nWEIGHT BY gewicht.\n"
        "CROSSTABS /TABLES=modus BY herkomstgroep /COUNT=ROUND CELL.\n", tmp_path)
    assert code == 0, text
    assert "WEIGHT BY gewicht" in text and "-1 = weet niet" in text and "Veldwerk van 2026-" in text
    counts = [cell for row in tables["Afnamemodus van de vragenlijst × Herkomstgroep volgens de Vlaamse definitie"]
              for cell in row if re.fullmatch(r"\d+\.\d+", cell)]
    assert counts and all(float(c) == round(float(c)) for c in counts)


@pytest.mark.slow
def test_the_sav_documents_say_how_to_weigh(delivery):
    _, meta = pyreadstat.read_sav(str(delivery[0]), metadataonly=True)
    assert any(line.startswith("Weging: WEIGHT BY gewicht.") for line in meta.notes)
    assert all(len(line.encode("utf-8")) <= 80 for line in meta.notes)


def test_the_writer_still_cannot_store_mr_sets_as_the_docs_say():
    """docs/spss.md says why the MR sets are in the .sps and not in the .sav: pyreadstat's
    write_sav has no parameter for them. Should a pyreadstat release add one, this fails, so that
    the sets move into the .sav (and the docs and the PSPP test above change with them)."""
    import inspect
    from pathlib import Path

    parameters = set(inspect.signature(pyreadstat.write_sav).parameters)
    assert not {p for p in parameters if "mr" in p.lower() or "multiple" in p.lower()}, parameters
    assert {"variable_value_labels", "missing_ranges", "variable_measure", "note"} <= parameters
    docs = (Path(__file__).resolve().parents[2] / "docs" / "spss.md").read_text(encoding="utf-8")
    assert "**Why not in the `.sav`**" in docs and "MRSETS /MDGROUP" in docs


@pytest.mark.slow
def test_only_sample_frame_columns_are_labelled_as_from_the_sample(delivery):
    """A column that coding adds beside a coded variable (the ISCO major group, the NIS code as
    named before a merger) gets its own label and sits right after the coded variable; the label
    "Uit de steekproef: …" is only for columns of the sample frame."""
    from pathlib import Path

    import pandas as pd

    from pipeline.ingest.ingest import SAMPLE_PREFIX

    _, meta = pyreadstat.read_sav(str(delivery[0]), metadataonly=True)
    labels = dict(zip(meta.column_names, meta.column_labels))
    frame = pd.read_csv(Path(__file__).resolve().parents[2] / "raw" / "steekproef.csv", nrows=0, sep=None,
                        engine="python", encoding="utf-8-sig")
    sample = set(frame.columns)
    from_sample = {n for n, label in labels.items() if (label or "").startswith("Uit de steekproef: ")}
    assert from_sample and all(n in sample or n.removeprefix(SAMPLE_PREFIX) in sample for n in from_sample), \
        sorted(n for n in from_sample if n not in sample and n.removeprefix(SAMPLE_PREFIX) not in sample)
    names = list(meta.column_names)
    assert names.index("beroep_isco1") == names.index("beroep_isco") + 1
    assert labels["beroep_isco1"].endswith("beroep, hoofdgroep (ISCO-08, 1 cijfer)")
    assert names.index("vorige_gemeente_nis_historisch") == names.index("vorige_gemeente_nis") + 1
    assert labels["vorige_gemeente_nis_historisch"].endswith("NIS-code vóór een fusie")
    assert meta.variable_value_labels["beroep_isco1"][2.0]  # the major groups labelled
