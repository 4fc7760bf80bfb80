"""XLSX workbooks written a column at a time: each column's cells made as XML with NumPy and pandas
(one Python call per distinct text, not per cell), then the sheets zipped with the package parts
xlsxwriter writes (content types, relationships, workbook, styles, theme, document properties).

What a cell becomes, as xlsxwriter wrote it before (pipeline/tables.write_workbook's contract): text as an
inline string (never a formula, URL or number; Excel's control characters as `_xHHHH_`, a literal
`_xHHHH_` kept by escaping its underscore, `xml:space="preserve"` where a text starts or ends with
white space, cut at Excel's 32,767 UTF-16 units), numbers as numbers (±inf as #DIV/0!, NaN as an empty cell), booleans
as booleans, datetimes and dates as Excel serial numbers with a `yyyy-mm-dd hh:mm:ss` or `yyyy-mm-dd` format
(1900 date system, its 1900-02-29 included). tests/tabulation/test_workbook.py reads every kind back with
openpyxl, and tests/test_xlsx.py compares the cells with xlsxwriter's."""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, timezone
from itertools import repeat

import numpy as np
import pandas as pd

MAX_TEXT = 32_767  # UTF-16 units in a cell
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_EPOCH = datetime(1899, 12, 31)
_EPOCH_US = np.datetime64("1899-12-31T00:00:00", "us")
_DAY_US = 86_400_000_000
DATETIME_STYLE, DATE_STYLE = 1, 2  # the cellXfs of STYLES


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _cut(text: str) -> str:
    """At most MAX_TEXT UTF-16 units, never half a surrogate pair."""
    if len(text) <= MAX_TEXT // 2 or _utf16_len(text) <= MAX_TEXT:
        return text
    units = text.encode("utf-16-le", "surrogatepass")[: MAX_TEXT * 2]
    return units.decode("utf-16-le", "ignore")


def inline_text(text: str) -> str:
    """A text cell's `t="inlineStr"><is>…</is>` part (after the cell's reference)."""
    text = _cut(text)
    if _NEEDS_ESCAPE.search(text):
        text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _number(value: float | int) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return '" t="e"><v>#DIV/0!</v></c>'
        if value.is_integer() and abs(value) < 1e16:
            return f'"><v>{int(value)}</v></c>'
    return f'"><v>{value!r}</v></c>' if isinstance(value, float) else f'"><v>{value}</v></c>'


def serial(value: datetime | date) -> float:
    """Excel's serial number of a datetime or a date (1900 date system), as xlsxwriter computes it."""
    moment = value if isinstance(value, datetime) else datetime.fromordinal(value.toordinal())
    if moment.tzinfo is not None:
        moment = moment.replace(tzinfo=None)
    delta = moment - _EPOCH
    number = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86_400
    if isinstance(value, datetime) and moment.isocalendar()[:3] == (1900, 1, 1):
        number -= 1  # xlsxwriter: 1900-01-01 with a time is a time alone
    return number + 1 if number > 59 else number  # Excel's 1900-02-29


def _cell(value) -> str:
    """One cell of a column of mixed values (after its reference): '' for an empty cell."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return inline_text(value) if value else ""
    if isinstance(value, bool):
        return f'" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, (datetime, date)):
        return _cell_number(serial(value), DATETIME_STYLE if isinstance(value, datetime) else DATE_STYLE)
    if isinstance(value, (int, float)):
        return "" if value != value else _number(value)
    return inline_text(str(value))


def _by_distinct(values: np.ndarray, make) -> np.ndarray:
    """`make` applied once per distinct value of `values` (object array), spread back over the cells."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    made = np.array([make(u) for u in uniques] + [""], dtype=object)
    return made[codes]  # the sentinel -1 takes the last: ''


def column_cells(series: pd.Series) -> np.ndarray:
    """Each cell of `series` as the XML after its `<c r="A2` (object array), '' where empty."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        micros = series.to_numpy(dtype="datetime64[us]")
        missing = np.isnat(micros)
        days = (micros - _EPOCH_US).astype("int64") / _DAY_US
        midnight_1900 = (micros >= np.datetime64("1900-01-01", "us")) & (micros < np.datetime64("1900-01-02", "us"))
        days = np.where(midnight_1900, days - 1, days)
        days = np.where(days > 59, days + 1, days)
        return _by_distinct(np.where(missing, None, days).astype(object), lambda d: _cell_number(d, DATETIME_STYLE))
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return np.where(series.to_numpy(), '" t="b"><v>1</v></c>', '" t="b"><v>0</v></c>').astype(object)
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return _by_distinct(series.to_numpy().astype(object), _number)
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return _by_distinct(series.to_numpy().astype(object), _number)  # NaN: factorize's missing, ''
    values = series.astype(object).to_numpy()
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):
        return _by_distinct(np.where(pd.isna(values), None, values), lambda t: inline_text(t) if t else "")
    if kind in ("integer", "floating", "mixed-integer-float", "boolean", "decimal"):  # one kind: equal is same
        return _by_distinct(np.where(pd.isna(values), None, values), _cell)
    return np.array([_cell(v) for v in values], dtype=object)


def _cell_number(number: float, style: int) -> str:
    text = repr(float(number))
    return f'" s="{style}"><v>{text[:-2] if text.endswith(".0") else text}</v></c>'


def column_name(index: int) -> str:
    """A, B, … Z, AA, … of a 0-based column."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def check_sheet_names(names: list[str]) -> None:
    """Excel's rules for a sheet name (as xlsxwriter checks them): a ValueError naming the sheet."""
    seen: set[str] = set()
    for name in names:
        if not name or _utf16_len(name) > 31:
            raise ValueError(f"Excel worksheet name '{name}' must be 1 to 31 characters.")
        if _SHEET_NAME_BAD.search(name):
            raise ValueError(f"Invalid Excel character '[]:*?/\\' in sheetname '{name}'.")
        if name.startswith("'") or name.endswith("'"):
            raise ValueError(f'Sheet name cannot start or end with an apostrophe "{name}".')
        if name.lower() in seen:
            raise ValueError(f"Sheetname '{name}', with case ignored, is already in use.")
        seen.add(name.lower())


def column_width(characters: float) -> str:
    """The `width` attribute xlsxwriter writes for `set_column(…, characters)`: Calibri 11's pixels."""
    pixels = int(characters * 12 + 0.5) if characters < 1 else int(characters * 7 + 0.5) + 5
    return f"{(pixels * 256 // 7) / 256.0:.16g}"


def sheet_xml(frame: pd.DataFrame, *, first: bool, freeze: bool, widths: list[float] | None) -> Iterable[str]:
    """The worksheet part of `frame` (its header row, then a row per record), in pieces."""
    rows, ncols = len(frame), frame.shape[1]
    letters = [column_name(i) for i in range(ncols)]
    last = f"{letters[-1]}{rows + 1}" if ncols else "A1"
    yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.'
           'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
           f'<dimension ref="{"A1:" + last if last != "A1" else "A1"}"/><sheetViews><sheetView'
           f'{" tabSelected=" + chr(34) + "1" + chr(34) if first else ""} workbookViewId="0">')
    if freeze:
        yield ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
               '<selection pane="bottomLeft"/>')
    yield '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
    if widths:
        yield "<cols>" + "".join(f'<col min="{i + 1}" max="{i + 1}" width="{column_width(w)}" customWidth="1"/>'
                                 for i, w in enumerate(widths)) + "</cols>"
    yield "<sheetData>"
    if ncols:
        yield '<row r="1">' + "".join(f'<c r="{letter}1' + inline_text(str(name)) if str(name) else ""
                                      for letter, name in zip(letters, frame.columns)) + "</row>"
    block = 20_000  # rows at a time: the XML of a block, not of the sheet, in memory
    for start in range(0, rows, block):
        part = frame.iloc[start:start + block]
        numbers = np.arange(start + 2, start + 2 + len(part)).astype(str).astype(object)
        cells = []
        for i in range(ncols):
            made = column_cells(part.iloc[:, i])
            full = (f'<c r="{letters[i]}' + numbers) + made
            cells.append(np.where(made == "", "", full).tolist())
        heads = ('<row r="' + numbers + '">').tolist()
        yield "".join(map("".join, zip(heads, *cells, repeat("</row>"))))
    yield ('</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
           "</worksheet>")


def write(path, sheets: list[tuple[str, pd.DataFrame, list[float] | None]], *, freeze: bool = True) -> None:
    """The workbook of `sheets` ((name, frame, column widths in characters or None)) to `path`."""
    names = [name for name, _, _ in sheets]
    check_sheet_names(names)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _content_types(len(sheets)))
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("docProps/app.xml", _app(names))
        book.writestr("docProps/core.xml", _core())
        book.writestr("xl/workbook.xml", _workbook(names))
        book.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        book.writestr("xl/styles.xml", STYLES)
        book.writestr("xl/theme/theme1.xml", _theme())
        for n, (_, frame, widths) in enumerate(sheets, start=1):
            with book.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as part:
                for piece in sheet_xml(frame, first=n == 1, freeze=freeze, widths=widths):
                    part.write(piece.encode("utf-8"))


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_ROOT_RELS = (f'{_XML}<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
              f'Target="xl/workbook.xml"/><Relationship Id="rId2" Type="{_PKG}/relationships/metadata/core-properties" '
              f'Target="docProps/core.xml"/><Relationship Id="rId3" Type="{_REL}/extended-properties" '
              'Target="docProps/app.xml"/></Relationships>')
STYLES = (f'{_XML}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2">'
          '<numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd"/>'
          '</numFmts><fonts count="1"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
          '<scheme val="minor"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
          '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>'
          '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
          '</cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/>'
          '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
          "</styleSheet>")


def _content_types(sheets: int) -> str:
    ct = "application/vnd.openxmlformats-officedocument"
    return (f'{_XML}<Types xmlns="{_PKG}/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/docProps/app.xml" ContentType="{ct}.extended-properties+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-'
            f'properties+xml"/><Override PartName="/xl/styles.xml" ContentType="{ct}.spreadsheetml.styles+xml"/>'
            f'<Override PartName="/xl/theme/theme1.xml" ContentType="{ct}.theme+xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                      f'ContentType="{ct}.spreadsheetml.worksheet+xml"/>' for n in range(1, sheets + 1)) + "</Types>")


def _workbook(names: list[str]) -> str:
    return (f'{_XML}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{_REL}">'
            '<fileVersion appName="xl" lastEdited="4" lowestEdited="4" rupBuild="4505"/><workbookPr '
            'defaultThemeVersion="124226"/><bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" '
            'windowHeight="9660"/></bookViews><sheets>'
            + "".join(f'<sheet name="{_attr(name)}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(names, 1))
            + '</sheets><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')


def _workbook_rels(sheets: int) -> str:
    return (f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
            + "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                      for n in range(1, sheets + 1))
            + f'<Relationship Id="rId{sheets + 1}" Type="{_REL}/theme" Target="theme/theme1.xml"/>'
            f'<Relationship Id="rId{sheets + 2}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')


def _app(names: list[str]) -> str:
    titles = "".join(f"<vt:lpstr>{_attr(name)}</vt:lpstr>" for name in names)
    return (f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Microsoft '
            'Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector '
            'size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>'
            f'{len(names)}</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="{len(names)}"'
            f' baseType="lpstr">{titles}</vt:vector></TitlesOfParts><Company></Company><LinksUpToDate>false'
            '</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>'
            "12.0000</AppVersion></Properties>")


def _core() -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f'{_XML}<cp:coreProperties xmlns:cp="{_PKG}/metadata/core-properties" xmlns:dc="http://purl.org/dc/'
            'elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator></dc:creator><cp:lastModifiedBy>'
            f'</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created><dcterms:modified '
            f'xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')


def _theme() -> str:
    from xlsxwriter.theme import THEME_XML_2007  # the Office theme xlsxwriter writes

    return THEME_XML_2007
