"""The state of one demo build, shared by the modules that make its parts: the form's roles, the
seeded random streams, the sampled units, the interview records as they are built and damaged,
and the planted defects recorded so far. Each part is a function of this state; generator.py
runs them in order."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from pipeline.demo.form import Form
from pipeline.survey.questionnaire import Questionnaire

SOURCES = ("web", "capi", "papi")


class Build:
    """One build: `demo_fieldwork`'s arguments, its random streams and what the parts made so far."""

    # Set by the parts, in the order they run:
    units: pd.DataFrame       # one row per sampled person: stratum, disposition, attempts, place (sample.plan_units)
    completes: int            # how many units completed an interview (sample.plan_units)
    R: pd.DataFrame           # one row per interview record: the form's variables and private
                              # _-columns (_unit, _source, _cat, _rec, _clean, _row ...) (interviews.make_records)
    sample: pd.DataFrame      # the sample frame as steekproef.csv holds it (sample.make_sample_frame)
    pii: pd.DataFrame         # phone, e-mail, national number, municipality by unit (sample.make_sample_frame)
    break_off_outcomes: pd.Series   # contact-log outcome (1.2 / 2.12) by break-off unit (defects.plant_break_offs)

    def __init__(self, q: Questionnaire, sampled: int, seed: int, key: str) -> None:
        self.form = Form(q, key)
        self.q, self.n, self.key = q, sampled, key
        self.seeds = np.random.SeedSequence([seed, 0x51D])
        # child 5 is unused (the contact log draws nothing); it stays so the others keep their seeds
        units, frame, times, text, defects, _, export, pool = self.seeds.spawn(8)
        self.rng_units, self.rng_frame, self.rng_times, self.rng_text, self.rng_defects, self.rng_export = (
            np.random.default_rng(c) for c in (units, frame, times, text, defects, export))
        self.pool_seeds = pool
        self.truth: list[pd.DataFrame] = []   # planted defects: defect, _rec, variable, detail
        self.notes: defaultdict[str, list[str]] = defaultdict(list)   # why a defect kind fell short
        self.limit: int | None = None   # at most this many candidate records per planting attempt
