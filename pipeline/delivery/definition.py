"""What a delivery holds by definition, whatever its manifest lists: `sid verify` fails a delivery
that lacks any of these files (a manifest written over an incomplete folder proves nothing)."""

from __future__ import annotations

from pipeline import workdir
from pipeline.delivery.companions import CODEBOOK_HTML, CODEBOOK_XLSX, README, RECONCILIATION


def _report(stem: str) -> list[str]:
    return [f"{stem}.csv", f"{stem}.xlsx"]  # pipeline.tables.write_report


def required_files(survey: str, config: dict) -> list[str]:
    """The files of the delivery of survey `survey` made with the sid.toml `config` (parsed)."""
    files = [f"{survey}.sav", f"{survey}.sps", f"{survey}.csv", f"{survey}.parquet", f"{survey}_ddi.xml",
             CODEBOOK_HTML, CODEBOOK_XLSX, README, workdir.CLEANING_LOG, workdir.PII_SCRUBBED,
             *_report(workdir.VALIDATION_SUMMARY), *_report(RECONCILIATION)]
    if "privacy" in config:  # the failures name respondents: delivered only pseudonymised
        files += _report(workdir.VALIDATION_FAILURES)
    if "weight" in config:
        files += [name for stem in workdir.WEIGHT_REPORTS.values() for name in _report(stem)]
    for lang in config.get("export", {}).get("languages", [])[1:]:  # the other label languages
        files += [f"{survey}_labels_{lang}.sps", f"codebook_{lang}.html", f"codebook_{lang}.xlsx"]
    if "tables" in config:
        files += [f"{workdir.TABLES}.html", f"{workdir.TABLES}.xlsx"]
    if "fieldwork" in config:
        files += [workdir.FIELDWORK_REPORT, *_report(workdir.FIELDWORK_RATES), *_report(workdir.FIELDWORK_PROGRESS)]
    return files
