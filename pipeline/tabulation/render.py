"""The weighted tables for people: one self-contained HTML page (sortable columns, a bar per row,
no scripts or styles from outside) and an XLSX workbook with one sheet per module."""

from __future__ import annotations

import html
import re
from pathlib import Path

from pipeline.delivery.labels import LabelTexts
from pipeline.files import write_text_atomic
from pipeline.tables import write_workbook
from pipeline.tabulation.tabulate import TOTAL, Tables

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:0 0 2em;font-size:13px}
th,td{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3;cursor:pointer;user-select:none;position:sticky;top:0}
th:after{content:" \\2195";color:#999}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{display:inline-block;height:10px;background:#4a7ab5;margin-right:4px;vertical-align:middle}
.sup{color:#999}
"""

_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function(th){
  th.addEventListener('click',function(){
    var table=th.closest('table'),body=table.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th);
    var up=th.dataset.order!=='asc';th.dataset.order=up?'asc':'desc';
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){
      var x=a.cells[i].dataset.v!==undefined?a.cells[i].dataset.v:a.cells[i].textContent;
      var y=b.cells[i].dataset.v!==undefined?b.cells[i].dataset.v:b.cells[i].textContent;
      var p=parseFloat(x),q=parseFloat(y);
      var c=(!isNaN(p)&&!isNaN(q))?p-q:String(x).localeCompare(String(y));
      return up?c:-c;});
    rows.forEach(function(r){body.appendChild(r);});
  });
});
document.body.dataset.ready='1';
"""


def _cell(row, texts: LabelTexts) -> str:
    if row.onderdrukt:
        return f'<td class="n sup" data-v="-1" title="{html.escape(texts.text("tab_suppressed"))}">–</td>'
    tip = texts.text("tab_tip", lo=f"{row.ondergrens:.1f}", hi=f"{row.bovengrens:.1f}", n=row.n, base=row.basis)
    return f'<td class="n" data-v="{row.procent}" title="{html.escape(tip)}">{row.procent:.1f}</td>'


def render_html(tables: Tables, title: str, texts: LabelTexts) -> str:
    """One table per module: a row per question and answer, the total (with a bar) and each group;
    sid's own words in the delivery's language (`texts`)."""
    e = html.escape
    frame = tables.frame

    def code(value) -> str:
        return f"<code>{e(str(value))}</code>"

    intro = e(texts.text("tab_intro", weight="\0w", strata="\0s", min_n=str(tables.min_n)))
    intro = intro.replace("\0w", code(tables.weight)).replace("\0s", code(tables.strata))
    out = [f"<!DOCTYPE html><html lang=\"{e(texts.code)}\"><head><meta charset=\"utf-8\"><title>{e(title)}</title>",
           f"<style>{_STYLE}</style></head><body><h1>{e(title)}</h1>", f"<p>{intro}</p>"]
    head = "".join(f"<th>{e(texts.text(k))}</th>" for k in ("tab_variable", "tab_question", "tab_answer"))
    head += f"<th>{e(texts.text('tab_total'))} %</th><th>n</th>"
    for breakdown in tables.breakdowns or (TOTAL,):
        part = frame[frame["uitsplitsing"].isin([TOTAL, breakdown])]
        groups = [g for g in part.loc[part["uitsplitsing"] == breakdown, "groep"].drop_duplicates()]
        shown = texts.text("tab_total") if breakdown == TOTAL else code(breakdown)
        heading = e(texts.text("tab_by", breakdown="\0b")).replace("\0b", shown)
        out.append(f"<h2>{heading}</h2>")
        for module, rows in part.groupby("module", sort=False):
            total = rows[rows["uitsplitsing"] == TOTAL]
            by = {(r.variabele, r.code, r.groep): r for r in rows[rows["uitsplitsing"] == breakdown].itertuples()}
            out.append(f"<h3>{e(module or '-')}</h3><table class=\"sortable\"><thead><tr>{head}"
                       + "".join(f"<th>{e(str(g))} %</th>" for g in groups) + "</tr></thead><tbody>")
            for row in total.itertuples():  # tuples, not iterrows/loc per cell: ~500 questions × groups
                name, code_ = row.variabele, row.code
                width = 0 if row.onderdrukt else max(0.0, min(100.0, row.procent))
                out.append(f"<tr><td><code>{e(name)}</code></td><td>{e(row.vraag)}</td><td>{e(str(row.label))}</td>"
                           f'<td class="n" data-v="{row.procent}"><span class="bar" style="width:{width:.0f}px">'
                           f"</span>{'' if row.onderdrukt else f'{row.procent:.1f}'}</td>"
                           f'<td class="n">{row.n}</td>'
                           + "".join(_cell(by[(name, code_, g)], texts) if (name, code_, g) in by
                                     else '<td class="n sup">–</td>' for g in groups) + "</tr>")
            out.append("</tbody></table>")
    out.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(out)


def write_html(tables: Tables, title: str, target: Path, texts: LabelTexts) -> Path:
    write_text_atomic(target, render_html(tables, title, texts), encoding="utf-8")
    return target


def write_xlsx(tables: Tables, target: Path, texts: LabelTexts) -> Path:
    """One sheet per module (names cut to Excel's 31 characters, made unique), the long table."""
    used: set[str] = set()
    sheets = []
    for module, rows in tables.frame.groupby("module", sort=False):
        base = re.sub(r"[\[\]:*?/\\]", "_", str(module or texts.text("tab_other_module")))[:28] or "module"
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base[:28 - len(str(n))]}_{n}"
        used.add(name.lower())
        sheets.append((name, rows))
    return write_workbook(target, sheets, freeze=False, widths=False)
