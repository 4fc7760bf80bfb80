"""`sid report fieldwork` mid-fieldwork and after it; the HTML report in headless Chromium;
weights in the delivered .sav (sid run on the demo)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pycountry
import pytest
from typer.testing import CliRunner

from cli import app
from pipeline.fieldwork import stage
from pipeline.fieldwork.report import ReportData, line_chart, nice_ticks, render_html
from pipeline.survey.project import load_project

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CUT = "2026-04-15"


def _cut_contact_log(project: Path, day: str) -> int:
    """Keep the attempts up to `day` in raw/contactpogingen.csv, written as the agency's export is
    (Windows-1252, semicolons); return the attempts kept."""
    path = project / "raw" / "contactpogingen.csv"
    log = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="cp1252")
    kept = log[pd.to_datetime(log["datum"], dayfirst=True) <= pd.Timestamp(day)]
    kept.to_csv(path, sep=";", index=False, encoding="cp1252", lineterminator="\r\n")
    return len(kept)


def _external_references(text: str) -> list[str]:
    urls = re.findall(r"https?://[^\s\"'<>)]+", text)
    return [u for u in urls if u != "http://www.w3.org/2000/svg"] + re.findall(r"<(?:link|img|iframe)\b", text) \
        + re.findall(r"\bsrc\s*=", text)


def test_report_on_half_finished_fieldwork(demo_project):
    full_log = pd.read_csv(demo_project / "raw" / "contactpogingen.csv", sep=";", dtype=str, encoding="cp1252")
    kept = _cut_contact_log(demo_project, CUT)
    assert 0 < kept < len(full_log)
    result = runner.invoke(app, ["--project", str(demo_project), "report", "fieldwork"])
    assert result.exit_code == 0, result.output
    assert "15/04/2026" in result.output or "Veldwerk" in result.output
    progress = pd.read_csv(demo_project / "work" / "fieldwork" / "voortgang.csv", encoding="utf-8-sig")
    total = progress.set_index("groep").loc["totaal"]
    assert 0 < total["volledig"] < total["doel"]          # partial progress
    assert (progress.set_index("groep").drop(index="totaal")["nog_te_doen"] > 0).all()
    html = (demo_project / "work" / "fieldwork_report.html").read_text(encoding="utf-8")
    assert "Voortgang per herkomstgroep" in html and "<svg" in html
    assert "Voortgang per fase van het design" in html and "per modus (modus van de finale dispositie)" not in html
    fasen = pd.read_csv(demo_project / "work" / "fieldwork" / "fasen.csv", encoding="utf-8-sig")
    assert fasen["fase"].iloc[0] == "web: uitnodiging" and fasen["volledig"].sum() == total["volledig"]
    assert "Nog geen interviewgegevens" in html             # no ingest yet: no interviewer checks
    assert _external_references(html) == []
    assert not (demo_project / "cleaned" / "fieldwork_report.html").exists()   # delivery only by sid run

    # the same cut through --until on the whole log gives the same progress
    again = demo_project.parent / "again"
    shutil.copytree(demo_project, again)
    shutil.copy(Path(__file__).resolve().parents[2] / "raw" / "contactpogingen.csv",
                again / "raw" / "contactpogingen.csv")
    shutil.rmtree(again / "work")
    result = runner.invoke(app, ["--project", str(again), "report", "fieldwork", "--until", CUT])
    assert result.exit_code == 0, result.output
    until = pd.read_csv(again / "work" / "fieldwork" / "voortgang.csv", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(until, progress)
    assert "Tussentijdse stand" in (again / "work" / "fieldwork_report.html").read_text(encoding="utf-8")


def test_contact_log_units_outside_the_sample_are_counted_not_lost(demo_project):
    path = demo_project / "raw" / "contactpogingen.csv"
    with open(path, "a", encoding="cp1252", newline="") as fh:   # a mistyped sample id, two attempts
        fh.write("S9999999;1;03/03/2026;web;;3.19\r\nS9999999;2;17/03/2026;web;;3.19\r\n")
    result = runner.invoke(app, ["--project", str(demo_project), "report", "fieldwork"])
    assert result.exit_code == 0, result.output
    outside = pd.read_csv(demo_project / "work" / "fieldwork" / "buiten_steekproef.csv", encoding="utf-8-sig")
    assert outside.to_dict("records") == [{"sample_id": "S9999999", "pogingen": 2}]
    html = (demo_project / "work" / "fieldwork_report.html").read_text(encoding="utf-8")
    assert "1 eenheid in het contactbestand staat niet in de steekproef" in html
    assert "S9999999" not in html                            # counted in the report, named in work/ only


def test_bad_until_is_a_usage_error(demo_project):
    result = runner.invoke(app, ["--project", str(demo_project), "report", "fieldwork", "--until", "gisteren"])
    assert result.exit_code == 2 and "not a date" in result.output


def test_fieldwork_settings_are_checked(demo_project):
    from pipeline.errors import SidError
    from pipeline.survey.project import load_project

    toml = demo_project / "sid.toml"
    base = toml.read_text(encoding="utf-8")
    for old, bad, key in (('e = "proportional"', "e = 1.5", "fieldwork.e"),
                          ("BE = 750", 'BE = "veel"', "fieldwork.targets"),
                          ("backcheck_share = 0.10", "backcheck_share = 2", "fieldwork.backcheck_share"),
                          ("z_threshold = 3.5", "z_treshold = 3.5", "fieldwork.z_treshold")):
        toml.write_text(base.replace(old, bad), encoding="utf-8")
        with pytest.raises(SidError, match=key):
            load_project(demo_project)


def _data(**changes) -> ReportData:
    progress = pd.DataFrame({"groep": ["BE", "totaal"], "doel": [10, 10], "steekproef": [30, 30],
                             "volledig": [4, 4], "gedeeltelijk": [0, 0], "pct_doel": [40.0, 40.0],
                             "nog_te_doen": [6, 6], "volledig_web": [4, 4], "volledig_capi": [0, 0],
                             "volledig_papi": [0, 0]})
    over = pd.DataFrame({"datum": pd.to_datetime(["2026-03-02", "2026-03-03"]), "groep": "BE", "modus": "web",
                         "volledig_dag": [1, 3], "volledig_cumulatief": [1, 4], "doel": 10})
    from pipeline.fieldwork.dispositions import Eligibility, rate_table

    final = pd.DataFrame({"category": ["I"] * 4 + ["R"] * 6, "stratum": "BE", "mode": "web"})
    interviewers = pd.DataFrame({"interviewer_id": ["1001"], "interviews": [7], "gemarkeerd": [True],
                                 "redenen": ["korte interviews <script>"]})
    data = ReportData(title="Test <survey>", as_of="03/03/2026", e_text="e = 1.", progress=progress,
                      over_time=over, rates=rate_table(final, Eligibility("fixed", 1.0), {"herkomstgroep": "stratum"}),
                      interviewers=interviewers, backcheck_count=1, backcheck_seed=5, z_threshold=3.5)
    for k, v in changes.items():
        setattr(data, k, v)
    return data


@pytest.mark.parametrize("top, ticks", [(518, [0, 200, 400, 600]), (7, [0, 2, 4, 6, 8]),
                                         (4500, [0, 1000, 2000, 3000, 4000, 5000]), (0, [0, 1])])
def test_axis_ticks_are_round_numbers(top, ticks):
    assert nice_ticks(top) == ticks


def test_charts_have_no_legend_entry_without_a_line_and_ids_sort_as_numbers():
    with_targets = line_chart({"BE": pd.Series([1, 4], index=pd.to_datetime(["2026-03-02", "2026-03-03"]))},
                              {"BE": 10.0}, title="t")
    without = line_chart({"web": pd.Series([1, 4], index=pd.to_datetime(["2026-03-02", "2026-03-03"]))}, {},
                         title="t")
    assert "doel" in with_targets and "doel" not in without
    html = render_html(_data(interviewers=pd.DataFrame({"interviewer_id": ["1038", "101"], "interviews": [7, 9],
                                                        "gemarkeerd": [False, False], "redenen": ["", ""]})),
                       internal=True)
    assert '<tr><td data-sort="1038">1038</td>' in html  # (the row's class is its own, not its last cell's) and '<td data-sort="101">101</td>' in html
    assert "<th>interviews (n)</th>" in html


def test_delivery_version_leaves_out_interviewers_and_text_is_escaped():
    internal = render_html(_data(), internal=True)
    delivered = render_html(_data(), internal=False)
    assert "Interviewers (face-to-face)" in internal and "1001" in internal
    assert "Interviewers (face-to-face)" not in delivered and "1001" not in delivered
    assert "Test &lt;survey&gt;" in internal and "korte interviews &lt;script&gt;" in internal
    assert internal.count("<script>") == 1                 # only the report's own sorting script
    assert _external_references(internal) == []


def _chromium(html: Path, workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={workdir / 'profile'}",
            "--enable-logging=stderr", "--v=0", "--window-size=1200,2000", *extra, html.as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if "Uncaught" in line or ("CONSOLE" in line and ("rror" in line or "ERROR" in line))]


@pytest.fixture(scope="module")
def ran_demo(tmp_path_factory):
    """`sid run` once on a copy of the bundled demo (weights and fieldwork report configured)."""
    repo = Path(__file__).resolve().parents[2]
    root = tmp_path_factory.mktemp("rundemo") / "demo"
    root.mkdir()
    shutil.copy(repo / "sid.toml", root / "sid.toml")
    shutil.copytree(repo / "schemas", root / "schemas")
    shutil.copytree(repo / "raw", root / "raw")
    result = runner.invoke(app, ["--project", str(root), "run"])
    assert result.exit_code in (0, 1), result.output
    return root


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium_without_console_errors(ran_demo, tmp_path):
    report = ran_demo / "work" / "fieldwork_report.html"
    html = report.read_text(encoding="utf-8")
    assert "Interviewers (face-to-face)" in html and "Weging" in html and _external_references(html) == []
    shot = tmp_path / "report.png"
    proc = _chromium(report, tmp_path, f"--screenshot={shot}")
    assert shot.is_file() and shot.stat().st_size > 20_000, proc.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _console_errors(proc.stderr) == [], proc.stderr[-2000:]
    dom = _chromium(report, tmp_path, "--dump-dom")
    assert 'data-ready="1"' in dom.stdout          # the inline script ran to its end
    assert _console_errors(dom.stderr) == []
    # at 1280 px nothing scrolls sideways: not the page, not a table's own box (details opened)
    measured = tmp_path / "measured.html"
    measured.write_text(html.replace("</body>", "<script>document.querySelectorAll('details').forEach("
                                     "function(d){d.open=true;});document.body.setAttribute('data-width',"
                                     "document.documentElement.scrollWidth+' '+window.innerWidth+' '+"
                                     "Array.prototype.filter.call(document.querySelectorAll('.wide,.scroll'),"
                                     "function(e){return e.scrollWidth>e.clientWidth+1;}).length);</script></body>"),
                        encoding="utf-8")
    wide = _chromium(measured, tmp_path, "--dump-dom", "--window-size=1280,2000")
    page, viewport, boxes = (int(x) for x in re.search(r'data-width="(\d+) (\d+) (\d+)"', wide.stdout).groups())
    assert viewport == 1280 and page <= viewport and boxes == 0, (page, viewport, boxes)
    # one group order everywhere: the progress table's, the line chart's legend, the bar chart's groups
    table = re.findall(r"<tr><td>([A-Z]{2})</td>", html.split("Volledige interviews tegenover het doel")[1])[:6]
    assert '<tr class="flag">' in html  # flagged interviewers stand out
    legend = re.findall(r'<g class="legend" data-name="([^"]+)"', html.split("</svg>")[0])
    bars = re.findall(r'class="ax group" data-name="([^"]+)"', html.split("contactgraad per herkomstgroep</text>")[1].split("</svg>")[0])
    assert len(table) == 6 and legend == table and bars == table, (table, legend, bars)
    # the check itself sees a script error when there is one
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>",
                      encoding="utf-8")
    assert _console_errors(_chromium(broken, tmp_path, "--dump-dom").stderr) != []


@pytest.mark.slow
def test_sid_run_weights_labelled_in_the_sav_and_report_delivered(ran_demo, tmp_path):
    import pyreadstat
    from conftest import pspp_dictionary

    cleaned = ran_demo / "cleaned"
    data, meta = pyreadstat.read_sav(str(cleaned / "sid2026.sav"))
    labels = meta.column_names_to_labels
    assert labels["gewicht"].startswith("Gewicht (design × non-respons × raking, getrimd")
    assert labels["gewicht_populatie"].startswith("Gewicht (")
    assert data["gewicht"].mean() == pytest.approx(1.0)
    variables, _, _, _ = pspp_dictionary(cleaned / "sid2026.sav", tmp_path)
    assert "gewicht" in variables and "Gewicht" in " ".join(variables["gewicht"].values())
    # every target margin reproduced within 1e-6 by the delivered weight
    margins = pd.read_csv(cleaned / "weging_marges.csv", encoding="utf-8-sig")
    assert margins["relatieve_fout"].max() < 1e-6
    population = pd.read_csv(ran_demo / "schemas" / "populatie.csv")
    strata = population[population["variabele"] == "stratum"].set_index("categorie")["populatie"]
    # the delivered stratum is the ISO 3166-1 numeric code (docs/spss.md): BE = 56, ...
    achieved = data.groupby("stratum")["gewicht_populatie"].sum()
    achieved.index = [next(c.alpha_2 for c in pycountry.countries if int(c.numeric) == code)
                      for code in achieved.index]
    pd.testing.assert_series_equal(achieved.reindex(strata.index), strata.astype(float), rtol=1e-6,
                                   check_names=False, check_index_type=False)
    # the delivery's report: no interviewer detail, no sample ids
    delivered = (cleaned / "fieldwork_report.html").read_text(encoding="utf-8")
    assert "Respons (AAPOR)" in delivered and "Interviewers (face-to-face)" not in delivered
    assert not re.search(r"S\d{7}", delivered)
    assert (cleaned / "fieldwork_respons.csv").is_file() and (cleaned / "weging_diagnostiek.xlsx").is_file()
    backcheck = pd.read_csv(ran_demo / "work" / "fieldwork" / "backcheck.csv", encoding="utf-8-sig")
    assert len(backcheck) and (backcheck["seed"] == 2026).all()


@pytest.mark.slow
def test_export_alone_after_weight_keeps_the_weights(ran_demo):
    import pyreadstat

    assert runner.invoke(app, ["--project", str(ran_demo), "weight"]).exit_code == 0
    assert runner.invoke(app, ["--project", str(ran_demo), "export"]).exit_code == 0
    _, meta = pyreadstat.read_sav(str(ran_demo / "cleaned" / "sid2026.sav"), metadataonly=True)
    assert {"gewicht", "gewicht_populatie"} <= set(meta.column_names)


def test_sample_frame_and_contact_log_are_parsed_once_per_content(demo_project, monkeypatch):
    """The weights and the fieldwork report of one run share one parse of the sample frame and the
    contact log; each gets its own copy, and a changed file is parsed again."""
    parsed = []
    parse = stage.parse_contacts
    monkeypatch.setattr(stage, "parse_contacts", lambda *a, **k: parsed.append(1) or parse(*a, **k))
    project = load_project(demo_project)
    sample, dispositions = stage.sample_and_dispositions(project)
    sample["sample_id"] = "changed by the caller"
    dispositions["category"] = "changed by the caller"
    again, again_dispositions = stage.sample_and_dispositions(project)
    assert len(parsed) == 1 and (again["sample_id"] != "changed by the caller").all()
    assert len(again_dispositions) and (again_dispositions["category"] != "changed by the caller").all()
    unit = again_dispositions.loc[again_dispositions["category"] != "I", "sample_id"].iloc[0]
    with open(demo_project / "raw" / "contactpogingen.csv", "a", encoding="cp1252", newline="") as fh:
        fh.write(f"{unit};9;30/06/2026;capi;;1.1\r\n")  # a late complete of a unit that had none
    _, changed = stage.sample_and_dispositions(project)
    assert len(parsed) == 2
    assert changed.set_index("sample_id").loc[unit, "category"] == "I"
    pd.testing.assert_frame_equal(changed[changed["sample_id"] != unit].reset_index(drop=True),
                                  again_dispositions[again_dispositions["sample_id"] != unit].reset_index(drop=True))
