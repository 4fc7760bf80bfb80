"""The contact log contactpogingen.csv: every attempt to reach each sampled unit (invitation
letter, reminders, paper questionnaire, interviewer visits) with its date, mode, interviewer and
outcome code; the last attempt of a unit with an interview carries that interview's date."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from pipeline.demo.form import num_text
from pipeline.demo.state import Build

# Final and attempt outcomes of the contact log (AAPOR-style disposition codes).
OUTCOMES = MappingProxyType({
    "1.1": "volledig interview (complete)",
    "1.2": "gedeeltelijk interview: web afgebroken na meer dan de helft (partial)",
    "2.11": "weigering (refusal)",
    "2.12": "afgebroken interview: web gestopt voor de helft (break-off)",
    "2.20": "geen contact (non-contact)",
    "2.30": "andere reden: ziek, taalprobleem ... (other)",
    "3.10": "onbekend of de persoon op het adres woont: adres niet gevonden (unknown eligibility)",
    "3.19": "geen reactie op de uitnodiging of herinnering (nothing returned)",
    "4.10": "niet in de doelgroep: verhuisd naar het buitenland, overleden, in instelling (not eligible)",
})


def contact_log(b: Build) -> pd.DataFrame:
    """The contact log as contactpogingen.csv holds it: one row per attempt, sorted by unit."""
    u = b.units
    n_web = u["n_web"].to_numpy()
    n_capi = u["n_capi"].to_numpy()
    k = n_web + n_capi
    unit = np.repeat(np.arange(len(u)), k)
    a = np.arange(len(unit)) - np.repeat(np.cumsum(k) - k, k)
    # a web break-off ends its web phase as partial (1.2) or break-off (2.12), by how far it got
    last_of_unit = u["web_last"].to_numpy().copy()
    last_of_unit[b.break_off_outcomes.index.to_numpy()] = b.break_off_outcomes.to_numpy()
    nw, web_last, capi_last = n_web[unit], last_of_unit[unit], u["capi_last"].to_numpy()[unit]
    cat = u["cat"].to_numpy()[unit]
    d0 = u["d0"].to_numpy()[unit]
    is_web = a < nw
    last_web = is_web & (a == nw - 1) & (web_last != "")
    online = np.isin(cat, ["web", "breakoff", "dup", "refusal", "ineligible"])
    modus = np.where(is_web, np.where(last_web & online, "web", np.where(a == 2, "papi", "web")), "capi")
    modus = np.where(last_web & (cat == "papi"), "papi", modus)
    outcome = np.where(is_web, np.where(last_web, web_last, "3.19"), "2.20").astype(object)
    j = a - nw
    last_capi = ~is_web & (j == n_capi[unit] - 1)
    outcome[last_capi] = capi_last[last_capi]
    day = np.where(is_web, np.where(last_web, u["resp_day"].to_numpy()[unit], 14 * a),
                   u["capi_first"].to_numpy()[unit] + j * u["gap"].to_numpy()[unit])
    date = pd.Series(d0 + pd.to_timedelta(day, unit="D").to_numpy())
    sunday = (date.dt.day_of_week == 6).to_numpy() & ~is_web
    date = date - pd.to_timedelta(sunday.astype(int), unit="D")
    # the interview's own date for units with an interview
    main = b.R[b.R["_cat"].isin(["web", "capi", "papi", "dup", "breakoff", "dup_web"])]
    when = pd.Series(pd.to_datetime(main["_start"]).dt.normalize().to_numpy(),
                     index=main["_unit"].to_numpy() * 2 + (main["_source"] == "web").to_numpy())
    interview_web = last_web & np.isin(cat, ["web", "breakoff", "dup", "papi"])
    interview_capi = last_capi & np.isin(cat, ["capi", "dup"])
    key_web = unit * 2 + (cat != "papi")
    date[interview_web] = when.reindex(key_web[interview_web]).to_numpy()
    date[interview_capi] = when.reindex(unit[interview_capi] * 2).to_numpy()
    interviewer = np.where(is_web, "", num_text(u["interviewer"].to_numpy()[unit]))
    log = pd.DataFrame({
        "sample_id": u["sample_id"].to_numpy()[unit], "poging": a + 1,
        "datum": date.dt.strftime("%d/%m/%Y").to_numpy(), "modus": modus,
        "interviewer_id": interviewer, "uitkomst": outcome,
    })
    return log.sort_values(["sample_id", "poging"], kind="stable").reset_index(drop=True)
