"""The fieldwork report: one self-contained HTML file (inline CSS, inline SVG charts drawn here,
a few lines of inline JavaScript to sort tables; no fonts, scripts or images from elsewhere), in
Dutch. The agency's version has the interviewer checks; the delivery's version leaves them out."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.fieldwork.dispositions import CATEGORIES, CATEGORY_LABELS

PALETTE = ("#1b6ca8", "#d1495b", "#edae49", "#00798c", "#6a4c93", "#66a182", "#8d6a9f", "#30638e")
MODE_LABELS = {"web": "web", "capi": "face-to-face (capi)", "papi": "papier (papi)", "(geen)": "(nog geen poging)"}


@dataclass
class ReportData:
    title: str
    as_of: str  # the date the figures describe
    e_text: str
    progress: pd.DataFrame
    over_time: pd.DataFrame
    rates: pd.DataFrame
    interviewers: pd.DataFrame | None = None
    backcheck_count: int = 0
    backcheck_seed: int | None = None
    z_threshold: float | None = None
    weights: dict[str, pd.DataFrame] = field(default_factory=dict)  # diagnostics, margins, convergence
    phases: pd.DataFrame | None = None  # monitor.PHASE_COLUMNS: progress per phase of the design
    notes: list[str] = field(default_factory=list)



# --- the report's notes (Dutch, as ABB reads them) ----------------------------------------------
def eligibility_text(e: float, proportional: bool) -> str:
    """How `e` in the AAPOR rates was found."""
    return (f"e (geschat aandeel in aanmerking komende eenheden onder die met onbekende geschiktheid) = {e:.3f}, "
            + ("proportioneel geschat: (I+P+R+NC+O) / (I+P+R+NC+O+NE)." if proportional
               else "vast ingesteld in sid.toml (fieldwork.e)."))


NO_INTERVIEWS_NOTE = "Nog geen interviewgegevens ingelezen (sid ingest): interviewercontroles ontbreken."


def interim_note(as_of: str) -> str:
    return f"Tussentijdse stand: het contactbestand tot en met {as_of}."


def outside_sample_note(units: int, listed_in: str) -> str:
    """Units of the contact log that the sample frame lacks: counted, never named in the report."""
    one = units == 1
    return (f"{units} eenhe{'id' if one else 'den'} in het contactbestand staa{'t' if one else 'n'} niet in de "
            f"steekproef en tellen niet mee (lijst: {listed_in}).")

def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value, digits: int | str = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if digits == "e" and isinstance(value, (float, np.floating)):
        return f"{float(value):.1e}".replace(".", ",")
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nee"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}".replace(",", ".")
    if isinstance(value, (float, np.floating)):
        if float(value).is_integer() and abs(value) >= 1 and digits <= 1:
            return f"{int(value):,}".replace(",", ".")
        text = f"{float(value):,.{digits}f}"
        return text.replace(",", " ").replace(".", ",").replace(" ", ".")
    if isinstance(value, pd.Timestamp):
        return value.strftime("%d/%m/%Y")
    return str(value)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round axis values from 0 past `top`: steps of 1, 2, 2.5 or 5 times a power of ten (0, 200,
    400 ... instead of 0, 173, 346 ...)."""
    top = max(float(top), 1.0)
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if step < 1:
        step = 1.0
    return [step * k for k in range(int(math.ceil(top / step - 1e-9)) + 1)]


def _tick(value: float) -> str:
    """An axis value: whole numbers without decimals (0, 20, 1.000), else as _fmt."""
    return _fmt(int(value)) if float(value).is_integer() else _fmt(value)


def table_html(frame: pd.DataFrame, *, digits: dict[str, int | str] | None = None, highlight: pd.Series | None = None,
               caption: str | None = None) -> str:
    digits = digits or {}
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    rows = []
    for i, (_, row) in enumerate(frame.iterrows()):
        cls = ' class="flag"' if highlight is not None and bool(highlight.iloc[i]) else ""
        cells = []
        for col, value in row.items():
            numeric = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
            sort = f' data-sort="{float(value)}"' if numeric and not pd.isna(value) else ""
            if isinstance(value, str) and value.isdigit():  # ids such as interviewer 101 sort as numbers
                sort = f' data-sort="{int(value)}"'
            kind = " class=num" if numeric else " class=long" if isinstance(value, str) and len(value) > 30 else ""
            cells.append(f'<td{kind}{sort}>{_esc(_fmt(value, digits.get(col, 1)))}</td>')
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    return (f'<div class="wide"><table class="sortable">{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def line_chart(series: dict[str, pd.Series], targets: dict[str, float], *, title: str,
               width: int = 900, height: int = 360) -> str:
    """Cumulative completes over time: one line per group, its target dashed."""
    left, right, top, bottom = 60, 190, 30, 40
    series = {k: v for k, v in series.items() if len(v)}
    if not series:
        return f'<p class="empty">{_esc(title)}: nog geen volledige interviews.</p>'
    x0 = min(v.index.min() for v in series.values())
    x1 = max(v.index.max() for v in series.values())
    span = max((x1 - x0).days, 1)
    ticks = nice_ticks(max([float(v.max()) for v in series.values()] + [float(t) for t in targets.values() if t == t]
                           + [1]) * 1.02)
    ymax = ticks[-1]

    def sx(d) -> float:
        return left + (width - left - right) * ((d - x0).days / span)

    def sy(y) -> float:
        return top + (height - top - bottom) * (1 - y / ymax)

    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{_esc(title)}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{left}" y="18" class="ct">{_esc(title)}</text>']
    for y in ticks:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" class="ax" text-anchor="end">{_tick(y)}</text>')
    for k in range(6):
        d = x0 + pd.Timedelta(days=round(span * k / 5))
        parts.append(f'<text x="{sx(d):.1f}" y="{height - bottom + 18}" class="ax" text-anchor="middle">'
                     f'{d.strftime("%d/%m")}</text>')
    dashed = False
    for i, (name, values) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        points = " ".join(f"{sx(d):.1f},{sy(y):.1f}" for d, y in values.items())
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        target = targets.get(name)
        if target and target == target:
            dashed = True
            parts.append(f'<line x1="{left}" x2="{width - right}" y1="{sy(target):.1f}" y2="{sy(target):.1f}" '
                         f'stroke="{colour}" stroke-dasharray="5,4" stroke-width="1"/>')
        ly = top + 16 * i + 8
        parts.append(f'<g class="legend" data-name="{_esc(name)}"><rect x="{width - right + 12}" y="{ly - 8}" '
                     f'width="12" height="12" fill="{colour}"/><text x="{width - right + 30}" y="{ly + 2}" '
                     f'class="ax">{_esc(name)} ({_fmt(int(values.iloc[-1]))})</text></g>')
    if dashed:  # a legend entry only for lines the chart draws
        parts.append(f'<text x="{width - right + 12}" y="{top + 16 * len(series) + 14}" class="ax">- - - doel</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(frame: pd.DataFrame, category: str, measures: list[str], *, title: str, percent: bool = True,
              width: int = 900, height: int = 320) -> str:
    """Grouped bars: one group of bars per row of `frame`, one bar per measure."""
    if frame.empty:
        return f'<p class="empty">{_esc(title)}: geen gegevens.</p>'
    left, right, top, bottom = 60, 190, 30, 40
    values = frame[measures].astype(float).fillna(0.0).to_numpy()
    scale = 100.0 if percent else 1.0
    ticks = [0.0, 20.0, 40.0, 60.0, 80.0, 100.0] if percent else nice_ticks(float(values.max()))
    ymax = ticks[-1]
    n, m = len(frame), len(measures)
    slot = (width - left - right) / n
    bar = slot * 0.8 / m

    def sy(y) -> float:
        return top + (height - top - bottom) * (1 - y / ymax)

    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{_esc(title)}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{left}" y="18" class="ct">{_esc(title)}</text>']
    for y in ticks:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" class="ax" text-anchor="end">'
                     f'{_tick(y)}{"%" if percent else ""}</text>')
    for i, label in enumerate(frame[category].astype(str)):
        x = left + slot * i + slot * 0.1
        for j in range(m):
            y = values[i, j] * scale
            parts.append(f'<rect x="{x + bar * j:.1f}" y="{sy(y):.1f}" width="{bar - 1:.1f}" '
                         f'height="{sy(0) - sy(y):.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                         f'<title>{_esc(label)} {_esc(measures[j])}: {_fmt(y)}{"%" if percent else ""}</title></rect>')
        parts.append(f'<text x="{left + slot * (i + 0.5):.1f}" y="{height - bottom + 18}" class="ax group" '
                     f'data-name="{_esc(label)}" text-anchor="middle">{_esc(MODE_LABELS.get(label, label))}</text>')
    for j, name in enumerate(measures):
        ly = top + 16 * j + 8
        parts.append(f'<rect x="{width - right + 12}" y="{ly - 8}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>'
                     f'<text x="{width - right + 30}" y="{ly + 2}" class="ax">{_esc(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2em auto;max-width:1200px;
color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:2px solid #1b6ca8;padding-bottom:.2em}
p.meta{color:#555;margin-top:0}table{border-collapse:collapse;margin:1em 0;font-size:.85em}
th,td{border:1px solid #ccc;padding:3px 7px}th{background:#eef3f8;cursor:pointer;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}td{max-width:420px}td.long{min-width:14em}tr.flag td{background:#fde2e2}
th{white-space:normal;vertical-align:bottom;max-width:9em}svg{max-width:100%;height:auto}
details{margin:1em 0}summary{cursor:pointer;font-weight:600}
caption{text-align:left;font-weight:600;padding:4px 0}.scroll{max-height:520px;overflow:auto}
.wide{overflow-x:auto}
svg .grid{stroke:#e3e3e3}svg .ax{font-size:11px;fill:#444}svg .ct{font-size:14px;font-weight:600;fill:#222}
.note{background:#fff7e0;border-left:4px solid #edae49;padding:.5em 1em}
"""

_JS = """
(function(){
  function key(td){var s=td.getAttribute('data-sort');return s===null?td.textContent.trim().toLowerCase():parseFloat(s);}
  document.querySelectorAll('table.sortable th').forEach(function(th){
    th.addEventListener('click',function(){
      var table=th.closest('table'),body=table.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th);
      var asc=th.getAttribute('data-asc')!=='1';th.setAttribute('data-asc',asc?'1':'0');
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);return (x<y?-1:x>y?1:0)*(asc?1:-1);});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  document.body.setAttribute('data-ready','1');
})();
"""


def _in_group_order(rates: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """The rates' origin groups in the survey's own order (that of the progress table and its
    chart, i.e. [fieldwork] targets), not alphabetical; other breakdowns as they come."""
    rank = {g: i for i, g in enumerate(order)}
    if not rank:
        return rates
    breakdowns = {b: i for i, b in enumerate(dict.fromkeys(rates["breakdown"]))}
    first = {g: i for i, g in enumerate(dict.fromkeys(rates["group"]))}  # other breakdowns: as they come
    within = np.where(rates["breakdown"] == "herkomstgroep", rates["group"].map(rank).fillna(len(rank)),
                      rates["group"].map(first))  # a group's two bases (collected, usable) side by side
    return (rates.assign(_b=rates["breakdown"].map(breakdowns), _g=within)
            .sort_values(["_b", "_g"], kind="stable").drop(columns=["_b", "_g"]))


def _outcomes(rates: pd.DataFrame) -> pd.DataFrame:
    cols = [*(["basis"] if "basis" in rates.columns else []), "breakdown", "group", "units", *CATEGORIES, "e"]
    return rates[cols].rename(columns={"breakdown": "indeling", "group": "groep", "units": "eenheden (n)"})


def _rates_pct(rates: pd.DataFrame) -> pd.DataFrame:
    names = [c for c in rates.columns if c[:2] in ("RR", "CO", "RE") and c[-1].isdigit()]
    out = rates[[*(["basis"] if "basis" in rates.columns else []), "breakdown", "group", *names]].copy()
    out[names] = 100 * out[names].astype(float)
    return out.rename(columns={"breakdown": "indeling", "group": "groep"})


_INTERVIEWER_UNITS = {"interviewer_id": "interviewer", "interviews": "interviews (n)",
                      "duur_mediaan_min": "duur, mediaan (min)", "weet_niet": "weet niet (% items)",
                      "weigering": "weigering (% items)", "straightlining": "straightlining (% batterijen)",
                      "instemming": "instemming (% items)", "extreem": "extreme antwoorden (% items)"}


def _interviewer_labels(columns) -> dict[str, str]:
    """Column labels with their units; z-scores as 'z: <measure>'."""
    out = {}
    for c in columns:
        if c.startswith("z_") and c[2:] in _INTERVIEWER_UNITS:
            out[c] = "z: " + _INTERVIEWER_UNITS[c[2:]].split(" (")[0]
        else:
            out[c] = _INTERVIEWER_UNITS.get(c, c)
    return out


def _weighting(weights: dict[str, pd.DataFrame]) -> str:
    """A short summary (respondents, design effect, efficiency, margins met), the tables folded."""
    diag, margins, conv = (weights.get(k) for k in ("diagnostics", "margins", "convergence"))
    parts, details = [], []
    if diag is not None and len(diag):
        final = diag[diag["stap"] == diag["stap"].iloc[-1]]
        total = final[final["stratum"].astype(str) == "totaal"]
        row = (total if len(total) else final).iloc[0]
        parts.append(f"Finale gewichten ({_esc(row['stap'])}) over {_fmt(int(row['n']))} respondenten: "
                     f"Kish-designeffect {_fmt(float(row['deff_kish']), 2)}, efficiëntie "
                     f"{_fmt(100 * float(row['efficientie']), 1)}%, effectieve n {_fmt(int(round(row['n_effectief'])))}; "
                     f"gewichten van {_fmt(float(row['min']), 2)} tot {_fmt(float(row['max']), 2)}.")
        details.append("<p>Kish-designeffect = 1 + CV²; efficiëntie = 1 / designeffect; effectieve n = n / "
                       "designeffect.</p>")
        details.append(table_html(diag, digits={c: 3 for c in ("cv", "deff_kish", "efficientie")}
                                  | {"min": 2, "max": 2, "gemiddelde": 2, "som": 0, "n_effectief": 0},
                                  caption="Gewichten per stap en stratum"))
    if margins is not None and len(margins):
        worst = float(margins["relatieve_fout"].max())
        parts.append(f"Alle {len(margins)} marges bereikt: grootste relatieve afwijking {_fmt(worst, 'e')}.")
        details.append(table_html(margins, digits={"doel": 0, "bereikt": 0, "relatieve_fout": "e"},
                                  caption="Marges: doel en bereikt (gewicht_populatie)"))
    if conv is not None and len(conv):
        parts.append(f"Trimmen en opnieuw raken: {len(conv)} cyclus/cycli.")
        details.append(table_html(conv, digits={"max_margefout": "e", "max_verhouding_tot_grens": 4},
                                  caption="Convergentie: trimmen en opnieuw raken"))
    return (f"<p>{' '.join(parts)}</p><details><summary>Details van de weging</summary>{''.join(details)}"
            "</details>")


def render_html(data: ReportData, *, internal: bool) -> str:
    """The report as one HTML document. `internal`: with the interviewer checks (agency only)."""
    sections = []
    prog = data.progress
    groups = prog[prog["groep"] != "totaal"]
    over = data.over_time
    series, targets = {}, {}
    if not over.empty:
        total = over.groupby(["groep", "datum"])["volledig_cumulatief"].sum()
        for g in groups["groep"]:
            if g in total.index.get_level_values(0):
                series[g] = total.loc[g]
            targets[g] = float(groups.loc[groups["groep"] == g, "doel"].iloc[0])
    sections.append("<h2>Voortgang per herkomstgroep</h2>")
    sections.append(line_chart(series, targets, title="Volledige interviews (cumulatief) per herkomstgroep"))
    excluded = {c: f"uitgesloten: {c.removeprefix('uitgesloten_')}" for c in prog.columns if c.startswith("uitgesloten_")}
    shown = prog.rename(columns={**excluded, "groep": "herkomstgroep", "volledig": "volledig (verzameld)",
                                 "bruikbaar": "bruikbaar (na opschonen)", "pct_doel": "% van doel (bruikbaar)",
                                 "nog_te_doen": "nog te doen",
                                 "volledig_web": "web", "volledig_capi": "capi", "volledig_papi": "papi"})
    sections.append(table_html(shown, digits={"% van doel (bruikbaar)": 1},
                               caption="Volledige interviews tegenover het doel"))
    if not over.empty:
        modes = over.groupby(["modus", "datum"])["volledig_cumulatief"].sum()
        mode_series = {MODE_LABELS.get(m, m): modes.loc[m] for m in modes.index.get_level_values(0).unique()}
        sections.append(line_chart(mode_series, {}, title="Volledige interviews (cumulatief) per modus"))

    if data.phases is not None and len(data.phases):
        sections.append("<h2>Voortgang per fase van het design</h2>")
        sections.append("<p>Volgens de volgorde van de contactpogingen van elke eenheid (webuitnodiging, "
                        "herinneringen, papier, face-to-face opvolging van wie niet op het web antwoordde), niet "
                        "volgens de modus van de finale dispositie.</p>")
        cumulative = data.phases.assign(**{"volledig (% van de steekproef)": data.phases["pct_steekproef_cumulatief"] / 100})
        sections.append(bar_chart(cumulative, "fase", ["volledig (% van de steekproef)"], title="Volledige interviews tot en met elke fase (% van de steekproef)"))
        sections.append(table_html(data.phases.rename(columns={
            "eenheden": "eenheden in de fase (n)", "volledig": "volledig in de fase (n)",
            "pct_volledig": "volledig in de fase (%)", "volledig_cumulatief": "volledig tot en met de fase (n)",
            "pct_steekproef_cumulatief": "tot en met de fase (% van de steekproef)"}),
            caption="Per fase: eenheden die de fase bereikten en volledige interviews"))
    rates = _in_group_order(data.rates, list(groups["groep"]))
    sections.append("<h2>Respons (AAPOR)</h2>")
    sections.append(f'<p>{_esc(data.e_text)} Definities: AAPOR Standard Definitions; de finale dispositie van '
                    'elke eenheid volgt de prioriteitsregels in docs/fieldwork.md.</p>')
    both = "basis" in rates.columns
    if both:  # on the completes as collected and on the usable ones (what the data and weights hold)
        sections.append("<p>Elke graad staat er twee keer: <b>verzameld</b> telt elk volledig interview van het "
                        "contactbestand (I); <b>bruikbaar</b> telt alleen de volledige interviews die na het opschonen "
                        "in de gegevens blijven (dezelfde respondenten als de weging en het SPSS-bestand): een volledig "
                        "interview dat het opschonen uitsloot (te snel ingevuld …) telt daar als niet-interview van een "
                        "in aanmerking komende eenheid (O, code 2.30). De grafieken tonen de bruikbare.</p>")
    shown_rates = rates[rates["basis"] == "bruikbaar"] if both else rates
    by_group = shown_rates[shown_rates["breakdown"] == "herkomstgroep"]
    by_mode = shown_rates[shown_rates["breakdown"] == "modus"]
    sections.append(bar_chart(by_group, "group", ["RR1", "RR3", "COOP1", "CON1"],
                              title="Respons-, coöperatie- en contactgraad per herkomstgroep"))
    if data.phases is None or not len(data.phases):  # per phase (above) says it better when known
        sections.append(bar_chart(by_mode, "group", ["RR1", "RR3", "COOP1", "REF1"],
                                  title="Respons-, coöperatie- en weigeringsgraad per modus (modus van de finale "
                                        "dispositie)"))
    main = rates[rates["breakdown"].isin(["totaal", "herkomstgroep", "modus"])]
    sections.append(table_html(_outcomes(main), digits={"e": 3},
                               caption="Uitkomsten (aantal eenheden) — totaal, per herkomstgroep en per modus"))
    sections.append(table_html(_rates_pct(main), caption="Graden (in %) — totaal, per herkomstgroep en per modus"))
    muni = rates[rates["breakdown"] == "gemeente"]
    if len(muni):
        sections.append(f'<details><summary>Per gemeente ({len(muni)})</summary><div class="scroll">'
                        f'{table_html(_outcomes(muni), digits={"e": 3}, caption="Uitkomsten per gemeente")}'
                        f'{table_html(_rates_pct(muni), caption="Graden per gemeente (in %)")}</div></details>')
    legend = ", ".join(f"{c} = {CATEGORY_LABELS[c]}" for c in CATEGORIES)
    sections.append(f"<p>{_esc(legend)}.</p>")

    if internal:
        sections.append("<h2>Interviewers (face-to-face)</h2>")
        if data.interviewers is None or data.interviewers.empty:
            sections.append('<p class="empty">Geen face-to-face interviews in de gegevens.</p>')
        else:
            iv = data.interviewers.sort_values("gemarkeerd", ascending=False, kind="stable")  # flagged first
            flagged = int(iv["gemarkeerd"].sum())
            sections.append(f"<p>Robuuste z-score = (x − mediaan) / (1,4826 × MAD) over de interviewers; gemarkeerd bij "
                            f"|z| &gt; {_esc(_fmt(data.z_threshold))} in de verdachte richting. {flagged} van {len(iv)} "
                            f"interviewers gemarkeerd. Controle-lijst: {data.backcheck_count} respondenten, "
                            f"getrokken met seed {_esc(data.backcheck_seed)} (work/fieldwork/backcheck.csv).</p>")
            # the measures in sight, their z-scores folded: one table that fits the page
            z_cols = [c for c in iv.columns if c.startswith("z_")]
            keys = [c for c in ("interviewer_id",) if c in iv.columns]
            measures = iv.drop(columns=z_cols).rename(columns=_interviewer_labels(iv.columns))
            sections.append(f'<div class="scroll">{table_html(measures, digits={c: 2 for c in measures.columns}, highlight=iv["gemarkeerd"], caption="Per interviewer")}</div>')
            if z_cols:
                z = iv[keys + ["gemarkeerd", *z_cols]].rename(columns=_interviewer_labels(iv.columns))
                sections.append(f'<details><summary>Robuuste z-scores per interviewer</summary><div class="scroll">'
                                f'{table_html(z, digits={c: 2 for c in z.columns}, highlight=iv["gemarkeerd"])}'
                                '</div></details>')

    if data.weights:
        sections.append("<h2>Weging</h2>")
        sections.append(_weighting(data.weights))
    notes = "".join(f'<p class="note">{_esc(n)}</p>' for n in data.notes)
    kind = "interne versie (met interviewercontroles)" if internal else "versie voor de oplevering (zonder interviewerdetails)"
    return ("<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_esc(data.title)} — veldwerk</title>"
            f"<style>{_CSS}</style></head><body>"
            f"<h1>{_esc(data.title)} — veldwerkrapport</h1>"
            f'<p class="meta">Stand op {_esc(data.as_of)}; {kind}.</p>{notes}'
            + "".join(sections) + f"<script>{_JS}</script></body></html>\n")
