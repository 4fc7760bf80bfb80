"""The PSPP peer of `sid run` in the benchmark: the core of the job as an agency writes it in SPSS
syntax today, generated from the same form and run with GNU PSPP on the same raw files.

The job: read the web export (CSV) and the face-to-face export (.sav), stack them, variable and
value labels, missing values, the routing recodes (a question the form's `relevant` skips becomes
"not applicable"), a count of answers outside their range, save the stacked file.

It covers the questions of the benchmark's generated form (text, start/end, select_one, integer
with a `. >= a and . <= b` constraint, relevance `${q} = v`); any other construct raises, so the
peer never silently does less than it says.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

TEXT_WIDTH = 255  # a text the .sav does not hold (its width there is the one to match)
_RANGE = re.compile(r"^\.\s*>=\s*(-?[\d.]+)\s+and\s+\.\s*<=\s*(-?[\d.]+)$")
_RELEVANT = re.compile(r"^\$\{(\w+)\}\s*=\s*'?(-?[\w.]+)'?$")


def _quote(text: str) -> str:
    return "'" + " ".join(str(text).split()).replace("'", "''") + "'"


def _lines(head: str, items: list[str], per_line: int = 12) -> list[str]:
    """`head item item …` over several syntax lines (PSPP reads long lines, but keep them readable)."""
    out = [head]
    for i in range(0, len(items), per_line):
        out.append("  " + " ".join(items[i:i + per_line]))
    out[-1] += "."
    return out


def syntax(form, web_csv: Path, capi_sav: Path, out_sav: Path, language: str = "nl") -> str:
    """The PSPP syntax of the job for `form` (a pipeline Questionnaire) over the two exports."""
    lang = form.language(language).column
    missing = sorted(form.missing.values)
    not_applicable = next(m.code for m in form.missing.codes if m.role == "not_applicable")
    columns = form_columns(form)
    import pyreadstat  # the .sav's string widths: ADD FILES stacks a string only onto the same width

    _, meta = pyreadstat.read_sav(str(capi_sav), metadataonly=True)
    widths = {n: f for n, f in meta.original_variable_types.items() if f.startswith("A")}
    csv_vars, after_read = [], []
    for v in columns:
        if v.type in ("start", "end") or v.kind == "datetime":
            csv_vars.append(f"{v.name}_t A19")  # 2026-05-10T04:24:00: PSPP's YMDHMS wants a space
            after_read += [f"COMPUTE {v.name} = NUMBER(CONCAT(SUBSTR({v.name}_t, 1, 10), ' ', "
                           f"SUBSTR({v.name}_t, 12)), YMDHMS19).", f"FORMATS {v.name} (DATETIME20)."]
        elif v.kind == "string":
            csv_vars.append(f"{v.name} {widths.get(v.name, f'A{TEXT_WIDTH}')}")
        elif v.type in ("select_one", "integer") or v.kind == "numeric":
            csv_vars.append(f"{v.name} F8.2")
        else:
            raise ValueError(f"pspp peer: question type {v.type} of {v.name} not covered")
    numeric = [v for v in columns if v.kind == "numeric"]
    order = " ".join(v.name for v in columns)
    out: list[str] = [
        "SET DECIMAL=DOT.",
        *_lines(f"GET DATA /TYPE=TXT /FILE={_quote(web_csv)} /ENCODING='UTF8' /ARRANGEMENT=DELIMITED "
                "/DELIMITERS=',' /QUALIFIER='\"' /FIRSTCASE=2 /VARIABLES=", csv_vars, 8),
        *after_read,
        f"ADD FILES /FILE=* /KEEP={order}.",
        f"ADD FILES /FILE=* /FILE={_quote(capi_sav)} /IN=from_capi.",
        "STRING mode (A4).",
        "RECODE from_capi (1='capi') (ELSE='web') INTO mode.",
    ]
    # Routing: a question its relevance skips is "not applicable" (whatever the export holds).
    routed: dict[tuple[str, str], list[str]] = {}
    for v in columns:
        if v.relevant:
            m = _RELEVANT.match(v.relevant.strip())
            if not m:
                raise ValueError(f"pspp peer: relevance {v.relevant!r} of {v.name} not covered")
            routed.setdefault((m.group(1), m.group(2)), []).append(v.name)
    for (on, value), names in routed.items():
        out.append(f"DO IF NOT ({on} = {value}).")
        out += _lines("  RECODE", names + [f"(ELSE={not_applicable})"])
        out.append("END IF.")
    # A count of answers outside their range (the constraint), user-missing codes excepted.
    out.append("COMPUTE n_out_of_range = 0.")
    for v in numeric:
        if v.constraint:
            m = _RANGE.match(v.constraint.strip())
            if not m:
                raise ValueError(f"pspp peer: constraint {v.constraint!r} of {v.name} not covered")
            out.append(f"IF (NOT MISSING({v.name}) AND ({v.name} < {m.group(1)} OR {v.name} > {m.group(2)})) "
                       f"n_out_of_range = n_out_of_range + 1.")
    # The dictionary: labels, value labels, missing values, formats.
    out.append("VARIABLE LABELS")
    out += [f"  {v.name} {_quote(v.label(lang) or v.name)}" for v in columns]
    out[-1] += "."
    by_list: dict[str, list[str]] = {}
    for v in columns:
        if v.type == "select_one":
            by_list.setdefault(v.choices.name, []).append(v.name)
    missing_labels = {m.code: m.label for m in form.missing.codes}
    for list_name, names in by_list.items():
        choices = form[names[0]].choices
        labels = {float(code): c.label(lang) for c, code in zip(choices.choices, choices.codes.values())}
        labels |= {float(code): text for code, text in missing_labels.items()}
        out += _lines("VALUE LABELS", names + [f"{code:g} {_quote(text)}" for code, text in labels.items()])
    coded = [v.name for v in numeric if v.type not in ("start", "end")]
    out += _lines("MISSING VALUES", coded + [f"({missing[0]} THRU {missing[-1]})"])
    out += _lines("FORMATS", coded + ["(F8.0)"])
    for level in ("nominal", "ordinal", "scale"):
        names = [v.name for v in numeric if v.type not in ("start", "end") and (v.measure or "scale") == level]
        if names:
            out += _lines("VARIABLE LEVEL", names + [f"({level.upper()})"])
    out.append(f"SAVE OUTFILE={_quote(out_sav)}.")
    return "\n".join(out) + "\n"


def form_columns(form) -> list:
    """The form's variables that hold data (no notes, groups or calculates without a column)."""
    return [v for v in form if v.kind in ("string", "numeric", "datetime")]


def run(form, web_csv: Path, capi_sav: Path, folder: Path) -> dict:
    """Write the syntax into `folder`, run `pspp` on it; wall and CPU seconds and the peak RSS of pspp."""
    sps = folder / "peer.sps"
    out_sav = folder / "peer.sav"
    sps.write_text(syntax(form, web_csv, capi_sav, out_sav), encoding="utf-8")
    timer = ["/usr/bin/time", "-f", "%M %U %S", "-o", str(folder / "peer.rss")] if Path("/usr/bin/time").exists() else []
    t = time.perf_counter()
    proc = subprocess.run([*timer, "pspp", str(sps), "-o", str(folder / "peer.txt")], capture_output=True, text=True)
    seconds = time.perf_counter() - t
    # GNU time's peak RSS of pspp itself (KiB); Python's RUSAGE_CHILDREN would count the forked Python too
    used = (folder / "peer.rss").read_text().split()[-3:] if timer else None
    peak = int(used[0]) * 1024 if used else None
    cpu = float(used[1]) + float(used[2]) if used else None
    text = (folder / "peer.txt").read_text(errors="replace") if (folder / "peer.txt").exists() else ""
    if proc.returncode != 0 or "error:" in text.lower() or not out_sav.exists():
        raise RuntimeError(f"pspp peer failed ({proc.returncode}): {proc.stderr[-2000:]} {text[-2000:]}")
    return {"pspp": seconds, "pspp_rss": peak, "pspp_cpu": cpu,
            "pspp_warnings": text.lower().count("warning:")}
