"""`sid run` on the bundled demo project: the .sav in GNU PSPP says exactly what the form says.

The expectations are read from the XLSForm with openpyxl here, not from sid's own model.
"""

import re

import openpyxl
import pytest
from conftest import copy_demo_project, pspp_dictionary
from typer.testing import CliRunner

from cli import app
from pipeline.delivery.conventions import short_label

NL = "label::Nederlands (nl)"
MISSING = {-1.0: "weet niet", -2.0: "wil niet antwoorden", -3.0: "niet van toepassing",
           -4.0: "ongeldig", -9.0: "geen antwoord"}
DEFAULT_MEASURE = {"integer": "Scale", "decimal": "Scale", "calculate": "Scale", "start": "Scale",
                   "end": "Scale", "text": "Nominal", "select_one": "Nominal"}


def form_sheets(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    sheets = {}
    for title in ("survey", "choices"):
        rows = list(wb[title].iter_rows(values_only=True))
        header = [str(h).strip() if h else "" for h in rows[0]]
        sheets[title] = [dict(zip(header, r)) for r in rows[1:] if any(v is not None for v in r)]
    return sheets


def codes(choices):
    """The documented coding rule: whole-number names are codes; others 1, 2, ... in list order."""
    taken = {int(c["name"]) for c in choices if re.fullmatch(r"-?\d+", str(c["name"]))}
    out, nxt = {}, 1
    for c in choices:
        name = str(c["name"])
        if re.fullmatch(r"-?\d+", name):
            out[name] = int(name)
            continue
        while nxt in taken:
            nxt += 1
        out[name] = nxt
        taken.add(nxt)
    return out


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """The session's shared `sid run` of the demo (it only reads the delivery)."""
    from conftest import demo_delivery, demo_run_result

    root = demo_delivery(tmp_path_factory)
    exit_code, output = demo_run_result(tmp_path_factory)
    assert exit_code == 0, output
    sav, sps = root / "cleaned" / "sid2026.sav", root / "cleaned" / "sid2026.sps"
    assert sav.is_file() and sps.is_file()
    return root, sav, sps


@pytest.mark.pspp
@pytest.mark.slow
def test_pspp_dictionary_is_what_the_form_says(delivered, tmp_path):
    root, sav, sps = delivered
    variables, value_labels, user_missing, mrsets = pspp_dictionary(sav, tmp_path, sps)
    sheets = form_sheets(root / "schemas" / "questionnaire.xlsx")
    lists: dict[str, list] = {}
    for c in sheets["choices"]:
        lists.setdefault(c["list_name"], []).append(c)
    checked = 0
    multi_sets = {}
    in_repeat = 0   # a roster's questions are not in the main file (issue 16: a file of their own)
    for row in sheets["survey"]:
        kind, _, list_name = str(row.get("type") or "").partition(" ")
        name = row.get("name")
        in_repeat += {"begin_repeat": 1, "end_repeat": -1}.get(kind, 0)
        if in_repeat or kind == "end_repeat":
            continue
        if kind not in DEFAULT_MEASURE and kind != "select_multiple" or name == "sample_id":
            continue  # the sample id is replaced by the pseudonymous respondent_id
        label = row.get(NL)
        if kind == "select_multiple":
            members = []  # the set counts answers: not the don't-know and refusal dummies
            for c in lists[list_name]:
                choice = str(c["name"])
                var = f"{name}_{'m' + choice[1:] if choice.startswith('-') else choice}"
                assert var in variables, var
                assert variables[var]["Label"] == short_label(f"{label}: {c[NL]}")
                assert variables[var]["Measurement Level"] == "Nominal"
                assert variables[var]["Missing Values"] == "-9 THRU -1"
                assert value_labels[var] == {0.0: "niet gekozen", 1.0: "gekozen", **MISSING}
                if not choice.startswith("-"):
                    members.append(var)
            multi_sets[f"${name}"] = (label, members)
            checked += 1
            continue
        got = variables[name]
        if label:
            assert got["Label"] == short_label(label), name
        if name in ("herkomst_buitenl", "herkomstgroep"):
            checked += 1  # derived codes and 0/1 flags: test_spss_conventions.py
            continue
        measure = (row.get("measure") or "").capitalize() or DEFAULT_MEASURE[kind]
        if name.endswith("_id"):
            measure = "Nominal"  # ids are nominal (docs/spss.md)
        assert got["Measurement Level"] == measure, name
        if kind == "text" or row.get("bind::type") == "string":
            assert got["Missing Values"] == "" and got["Print Format"].startswith("A"), name
            checked += 1
            continue
        if kind in ("start", "end"):
            assert got["Print Format"].startswith("DATETIME"), name
            checked += 1
            continue
        assert got["Missing Values"] == "-9 THRU -1", name
        assert user_missing[name] == set(MISSING), name
        expected = dict(MISSING)
        if kind == "select_one":
            numbers = codes(lists[list_name])
            expected |= {float(numbers[str(c["name"])]): c[NL] for c in lists[list_name]}
        assert value_labels[name] == expected, name
        checked += 1
    assert checked >= 80
    assert "sample_id" not in variables
    assert variables["respondent_id"]["Print Format"] == "A17"
    assert variables["respondent_id"]["Label"] == "Respondentnummer (pseudoniem)"
    assert variables["stratum"]["Label"] == "Uit de steekproef: stratum"
    assert variables["stratum"]["Print Format"] == "F3.0"
    sets = {row[0]: (row[1], row[4].split()) for row in mrsets[1:]}
    assert sets == multi_sets


@pytest.mark.slow
def test_demo_data_is_bundled_and_reproducible(tmp_path):
    """raw/ holds exactly what `sid demo` makes from the form with the configured seed."""
    from conftest import REPO

    from pipeline.demo.generator import FILES

    root = copy_demo_project(tmp_path / "p", raw=False)
    result = CliRunner().invoke(app, ["--project", str(root), "demo"])
    assert result.exit_code == 0, result.output
    for name in [*FILES.values(), "web_kobo_huisgenoten.csv"]:   # the bundled form's roster too
        assert (root / "raw" / name).read_bytes() == (REPO / "raw" / name).read_bytes(), name
    again = CliRunner().invoke(app, ["--project", str(root), "demo"])
    assert again.exit_code == 2
    assert "raw fieldwork data is never overwritten" in again.output


VALIDATION_KINDS = ("routing_violation", "chain_violation", "out_of_range", "impossible_value", "inconsistent_answer",
                    "speeder", "straightliner", "unknown_code", "pii_in_open_answer")
INGEST_KINDS = {"double_submission": "double_submission", "duplicate_cross_mode": "duplicate_cross_mode",
                "test_interview": "test_interview"}


@pytest.mark.slow
def test_ingest_matches_the_ground_truth(delivered):
    import pandas as pd

    root, _, _ = delivered
    truth = pd.read_csv(root / "raw" / "demo_truth.csv", dtype=str)
    rec = pd.read_csv(root / "work" / "reconciliation.csv", dtype=str, keep_default_na=False)
    for kind, reason in INGEST_KINDS.items():
        planted = truth[truth["defect"] == kind]
        merged = rec[rec["reason"] == reason]
        assert len(merged) == len(planted), kind
        pairs = set(zip(merged["source"], merged["row"].astype(int)))
        assert set(zip(planted["source"], planted["row"].astype(int))) == pairs, kind
    for source, rows in rec.groupby("source"):
        assert len(rows) == rows["row"].astype(int).max()  # every raw record has its row


@pytest.mark.slow
def test_validation_recall_and_clean_respondents(delivered):
    """Every planted defect that a rule can see is reported; clean respondents raise no error."""
    import pandas as pd

    from pipeline.survey.project import load_project
    from pipeline.survey.questionnaire import questionnaire_of
    from pipeline.validation.validate import load_rules, validate

    root, _, _ = delivered
    project = load_project(root)
    form = questionnaire_of(project)
    ingested = pd.read_parquet(root / "work" / "ingested.parquet")
    report = validate(ingested, form, key=project.key, rules=load_rules(project.validate.rules, form))
    truth = pd.read_csv(root / "raw" / "demo_truth.csv", dtype=str)
    flagged = set(report.failures["respondent"])
    for kind in VALIDATION_KINDS:
        planted = truth[truth["defect"] == kind]
        assert len(planted) > 0, kind
        assert planted["sample_id"].isin(flagged).all(), kind
    errors = set(report.failures.loc[report.failures["severity"] == "error", "respondent"])
    assert errors - set(truth["sample_id"]) == set()


@pytest.mark.slow
def test_every_planted_defect_corrected_or_excluded(delivered):
    import pandas as pd

    root, _, _ = delivered
    truth = pd.read_csv(root / "raw" / "demo_truth.csv", dtype=str, keep_default_na=False)
    log = pd.read_csv(root / "work" / "cleaning_log_private.csv", dtype=str, keep_default_na=False)
    excluded = set(pd.read_csv(root / "work" / "exclusions.csv", dtype=str)["respondent"])
    changed = set(zip(log["respondent"], log["variable"]))
    for kind in ("out_of_range", "impossible_value", "unknown_code", "routing_violation", "chain_violation"):
        for row in truth[truth["defect"] == kind].itertuples():
            assert (row.sample_id, row.variable) in changed or row.sample_id in excluded, (kind, row)
    for kind in ("speeder", "break_off"):
        planted = truth[truth["defect"] == kind]
        rec = pd.read_csv(root / "work" / "reconciliation.csv", dtype=str, keep_default_na=False)
        gone = set(rec.loc[rec["status"] != "kept", "key"])
        assert planted["sample_id"].isin(excluded | gone).all(), kind


@pytest.mark.slow
def test_chain_violations_cleaned_level_by_level(delivered):
    """Every cell the ground truth says the routing clears (a planted routing or chain violation, or
    the follow-up of an answer made -4) is in the cleaning log with the routing reason and
    delivered as -3 or an empty text; the log recodes no other answer for the routing; and
    validation after cleaning finds no routing or required failure."""
    import pandas as pd
    import pyreadstat

    from pipeline.coding.plan import coded_columns
    from pipeline.privacy import delivery_privacy, pseudonymise
    from pipeline.survey.project import load_project
    from pipeline.survey.questionnaire import questionnaire_of

    root, sav, _ = delivered
    truth = pd.read_csv(root / "raw" / "demo_truth.csv", dtype=str, keep_default_na=False)
    log = pd.read_csv(root / "work" / "cleaning_log_private.csv", dtype=str, keep_default_na=False)
    planted = truth[truth["cleaning"].isin(["-3", "cleared"])]
    chains = truth[truth["defect"] == "chain_violation"]
    levels = chains["detail"].str.extract(r"^level (\d+):")[0].astype(int)
    assert chains["sample_id"].nunique() >= 40 and levels.max() >= 3 and (chains["cleaning"] == "cleared").any()
    excluded = set(pd.read_csv(root / "work" / "exclusions.csv", dtype=str)["respondent"])
    assert not planted["sample_id"].isin(excluded).any()

    project = load_project(root)
    form = questionnaire_of(project)
    routed = log[(log["step"] == "routing") & (log["old"] != "") & log["variable"].isin(form.names)]
    assert set(routed["rule"]) == {"missing_reasons"}
    recoded = dict(zip(zip(routed["respondent"], routed["variable"]), routed["new"]))
    for row in planted.itertuples():
        new = recoded.get((row.sample_id, row.variable))
        assert new in (("-3", "-3.0") if row.cleaning == "-3" else ("",)), (row, new)
    assert len(routed) == len(planted) and set(recoded) == set(zip(planted["sample_id"], planted["variable"]))

    data, _ = pyreadstat.read_sav(str(sav), user_missing=True)
    ids = pseudonymise(planted["sample_id"], delivery_privacy(project).secret)
    delivered_rows = data.set_index("respondent_id")
    for rid, var, action in zip(ids, planted["variable"], planted["cleaning"]):
        # a select_multiple is delivered as its 0/1 variables, each -3
        columns = [var] if form[var].type != "select_multiple" else \
            [f"{var}_{c if not c.startswith('-') else 'm' + c[1:]}" for c in form[var].choices.names]
        for column in columns:
            value = delivered_rows.at[rid, column]
            assert (value == "" if action == "cleared" else value in (-3, "-3")), (rid, column, value)
    # a code that coding gave a cleared answer (land_partner_iso from land_partner 'other' and its
    # text) goes with it: empty, as for everyone not asked
    coded = {column: follows for column, follows in coded_columns(form, project.coding).items()
             if column in data.columns}
    followed = planted[planted["variable"].isin(set(coded.values()))]
    assert len(followed) > 0
    for rid, var in zip(pseudonymise(followed["sample_id"], delivery_privacy(project).secret), followed["variable"]):
        for column in (c for c, f in coded.items() if f == var):
            value = delivered_rows.at[rid, column]
            assert value == "" or pd.isna(value), (rid, column, value)

    summary = pd.read_csv(root / "cleaned" / "validation_summary.csv")
    judged = summary[summary["rule"].str.startswith(("routing:", "required:"))]
    assert len(judged) > 100 and judged["fails"].sum() == 0


@pytest.mark.slow
def test_the_issue_example_werkstatus_3_with_leidinggevend_and_n_ondergeschikten(delivered):
    """werkstatus = 3 (werkloos) with leidinggevend = 1 and n_ondergeschikten answered: planted,
    and after cleaning both are -3."""
    import pandas as pd

    root, _, _ = delivered
    truth = pd.read_csv(root / "raw" / "demo_truth.csv", dtype=str, keep_default_na=False)
    ingested = pd.read_parquet(root / "work" / "ingested.parquet").set_index("sample_id")
    cleaned = pd.read_parquet(root / "work" / "cleaned.parquet").set_index("sample_id")
    chain = truth[(truth["defect"] == "chain_violation") & (truth["variable"] == "n_ondergeschikten")]
    example = [s for s in chain["sample_id"] if ingested.at[s, "werkstatus"] == 3]
    assert example
    for s in example:
        assert ingested.at[s, "leidinggevend"] == 1 and ingested.at[s, "n_ondergeschikten"] >= 1
        assert cleaned.at[s, "leidinggevend"] == -3 and cleaned.at[s, "n_ondergeschikten"] == -3


@pytest.mark.slow
def test_no_identifier_reaches_cleaned(delivered):
    """No national register number, e-mail, phone or sample id from the raw data, nor the key,
    in any delivered file; PII typed into open answers is replaced by tags."""
    import pandas as pd
    import pyreadstat

    root, sav, _ = delivered
    sample = pd.read_csv(root / "raw" / "steekproef.csv", dtype=str)
    data, _ = pyreadstat.read_sav(str(sav))
    texts = [data.to_csv()]
    texts += [p.read_text(encoding="utf-8", errors="ignore") for p in (root / "cleaned").iterdir()
              if p.suffix in (".csv", ".sps", ".json")]
    blob = "\n".join(texts)
    # Tokens of the delivered text, compared with the raw identifiers as sets (digits only for
    # numbers, so a reformatted phone or register number is still caught).
    digits = {re.sub(r"\D", "", t) for t in re.findall(r"\+?\d[\d\s./-]{6,}\d", blob)}
    words = set(re.findall(r"[\w.+-]+@[\w.-]+|S\d{7}", blob))
    for column in ("rijksregisternummer", "telefoon"):
        raw = {re.sub(r"\D", "", v) for v in sample[column].dropna()}
        assert not raw & digits, column
    for column in ("email", "sample_id"):
        assert not set(sample[column].dropna()) & words, column
    assert "DEMO-KEY-not-secret" not in blob
    scrubbed = pd.read_csv(root / "cleaned" / "pii_scrubbed.csv")
    assert scrubbed["answers_scrubbed"].sum() >= 45
    assert data["opmerkingen"].str.contains(r"\[(?:TEL|E-MAIL|RRN)\]").any()


@pytest.mark.slow
def test_the_household_roster_validated_and_cleaned_per_instance(delivered):
    """The demo's roster (issue 16, point 3): validation finds every planted child older than the
    respondent (the rule kind_niet_ouder_dan_respondent, per instance, with the respondent's birth
    year) and every planted count mismatch (repeat_count:huisgenoten, after cleaning exactly those);
    cleaning makes exactly the planted birth years -4; excluded respondents take their rows; the
    log replays to work/cleaned_roster_huisgenoten.parquet."""
    import re

    import pandas as pd

    from pipeline.cleaning.rosters import replay_roster
    from pipeline.survey.project import load_project
    from pipeline.survey.questionnaire import questionnaire_of
    from pipeline.validation.rosters import validate_rosters
    from pipeline.validation.validate import load_rules

    root, _, _ = delivered
    project = load_project(root)
    form = questionnaire_of(project)
    truth = pd.read_csv(root / "raw" / "demo_truth.csv", dtype=str, keep_default_na=False)
    older = {(row.sample_id, re.search(r"member (\d+)", row.detail).group(1))
             for row in truth[truth["defect"] == "roster_child_older"].itertuples()}
    mismatch = set(truth.loc[truth["defect"] == "roster_count_mismatch", "sample_id"])
    assert len(older) == 9 and len(mismatch) == 9
    ingested = pd.read_parquet(root / "work" / "roster_huisgenoten.parquet")
    main = pd.read_parquet(root / "work" / "ingested.parquet")
    report, _ = validate_rosters(main, {"huisgenoten": ingested}, form, key=project.key,
                                 rules=load_rules(project.validate.rules, form))
    failures = report.failures
    rule = failures[failures["rule"] == "kind_niet_ouder_dan_respondent"]
    assert set(zip(rule["respondent"], rule["instance"])) == older
    assert mismatch <= set(failures.loc[failures["rule"] == "repeat_count:huisgenoten", "respondent"])
    after = pd.read_csv(root / "work" / "validation_failures.csv", dtype=str, keep_default_na=False)
    counted = after[after["rule"] == "repeat_count:huisgenoten"]
    assert set(counted["respondent"]) == mismatch and set(counted["severity"]) == {"accepted"}
    assert not (after["roster"] != "").any()  # nothing else left in the roster after cleaning
    log = pd.read_csv(root / "work" / "cleaning_log_private.csv", dtype=str, keep_default_na=False)
    roster_log = log[log["roster"] == "huisgenoten"]
    assert set(zip(roster_log["respondent"], roster_log["instance"], roster_log["variable"], roster_log["new"])) \
        == {(s, i, "hg_geboortejaar", "-4.0") for s, i in older}
    cleaned = pd.read_parquet(root / "work" / "cleaned_roster_huisgenoten.parquet")
    removed = pd.read_csv(root / "work" / "roster_exclusions.csv", dtype=str)
    assert list(cleaned.columns) == list(ingested.columns)
    assert len(cleaned) + len(removed) == len(ingested) and set(removed["reason"]) <= {"speeder", "break_off"}
    kept = pd.read_parquet(root / "work" / "cleaned.parquet")[project.key]
    again = replay_roster(ingested, log, form, "huisgenoten", project.key, kept)
    pd.testing.assert_frame_equal(again, cleaned, check_dtype=False)
