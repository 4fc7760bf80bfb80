"""`sid demo`: realistic demo fieldwork generated from the form and written into raw/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from pipeline.demo.generator import FILES, demo_fieldwork, write_fieldwork
from pipeline.demo.sample import IDENTIFIERS
from pipeline.errors import ErrorCode, SidError
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Questionnaire, questionnaire_of


@dataclass(frozen=True)
class DemoFiles:
    paths: list[Path]  # every file written
    hint: str | None  # how to point sid.toml at them, when it names other files


def make_demo(project: Project, *, sampled: int, seed: int, force: bool) -> DemoFiles:
    """Write realistic demo fieldwork into raw/: sample frame, contact log, web, face-to-face and
    paper exports with planted defects, and their ground truth (demo_truth.csv)."""
    existing = [project.raw / name for name in FILES.values() if (project.raw / name).exists()]
    if existing and not force:
        raise SidError(ErrorCode.DEMO_EXISTS, "file exists; raw fieldwork data is never overwritten",
                       file=existing[0], fix="Pass --force to replace the demo files.")
    questionnaire = questionnaire_of(project)
    fieldwork = demo_fieldwork(questionnaire, sampled=sampled, seed=seed, key=project.key)
    rosters = [project.raw / name for name in fieldwork.rosters if (project.raw / name).exists()]
    if rosters and not force:   # a roster's file (web_kobo_<repeat>.csv): known once the form is read
        raise SidError(ErrorCode.DEMO_EXISTS, "file exists; raw fieldwork data is never overwritten",
                       file=rosters[0], fix="Pass --force to replace the demo files.")
    paths = write_fieldwork(fieldwork, project.raw)
    return DemoFiles(paths, configuration_hint(project, questionnaire, paths, fieldwork.capi_meta.renamed))


def configuration_hint(project: Project, questionnaire: Questionnaire, written: list[Path],
                       capi_renamed: Mapping[str, str]) -> str | None:
    """The sid.toml tables that read the demo's files, when the project's [[sources]], [sample]
    or [contacts] name files the demo did not write (any form's project can then run on them)."""
    named = [s.path for s in project.sources]
    named += [t.path for t in (project.sample.source if project.sample else None, project.contacts) if t]
    if named and all(path in written for path in named):
        return None
    raw = project.raw.relative_to(project.root).as_posix()
    started = next((v.name for v in questionnaire if v.type == "start"), None)
    papi_rename = {"Steekproefnr": project.key, **({"Datum invulling": started} if started else {})}
    capi = f"\nrename = {_inline(capi_renamed)}" if capi_renamed else ""
    identifiers = ", ".join(json.dumps(c) for c in IDENTIFIERS)
    said = ("sid.toml names other files than the demo wrote" if named
            else "sid.toml names no fieldwork files ([[sources]])")
    return (f"{said}; to run on the demo's, use:\n\n"
            f'[[sources]]\nname = "web"\npath = "{raw}/{FILES["web"]}"\nmode = "web"\n'
            f'instance = "meta/instanceID"\nsubmitted = "_submission_time"\n\n'
            f'[[sources]]\nname = "capi"\npath = "{raw}/{FILES["capi"]}"\nmode = "capi"{capi}\n\n'
            f'[[sources]]\nname = "papi"\npath = "{raw}/{FILES["papi"]}"\nmode = "papi"\nsheet = "invoer"\n'
            f"rename = {_inline(papi_rename)}\n\n"
            f'[sample]\npath = "{raw}/{FILES["sample"]}"\nkey = "sample_id"\nidentifiers = [{identifiers}]\n\n'
            f'[contacts]\npath = "{raw}/{FILES["contacts"]}"')


def _inline(mapping: Mapping[str, str]) -> str:
    """A TOML inline table (JSON's string quoting is TOML's basic string)."""
    return "{ " + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in mapping.items()) + " }"
