"""A DDI-Codebook 2.5 XML file (for archiving), written from the same `Codebook` as the HTML and
XLSX codebooks, hence from the same metadata as the .sav. docs/delivery.md documents the
elements used; their order follows the sequences of the DDI-Codebook 2.5 schema (codebook.xsd)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from pipeline import __version__
from pipeline.delivery.codebook import Codebook, by_variable
from pipeline.delivery.labels import KINDS, NO, YES, media_type
from pipeline.files import atomic_path

NS = "ddi:codebook:2_5"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = "ddi:codebook:2_5 http://www.ddialliance.org/Specification/DDI-Codebook/2.5/XMLSchema/codebook.xsd"

# The child order of <var> in codebook.xsd (varType), restricted to the elements sid writes.
VAR_CHILDREN = ("labl", "qstn", "invalrng", "universe", "sumStat", "catgry", "derivation", "varFormat", "notes")
CATGRY_CHILDREN = ("catValu", "labl", "catStat")


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text=None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, _q(tag), {k.replace("__", ":"): str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = str(text)
    return el


def ddi_tree(codebook: Codebook, *, study_id: str, sav_sha256: str | None = None,
             digests: dict[str, str] | None = None) -> ET.ElementTree:
    """The study, one fileDscr per data file (F1 the main file, then each roster file with its keys)
    and every variable with `files=` naming its file. `digests`: the roster files' sha256 by name."""
    ET.register_namespace("", NS)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(_q("codeBook"), {"version": "2.5", "ID": _id(study_id),
                                       f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION,
                                       XML_LANG: codebook.language})
    doc = _sub(root, "docDscr")
    cit = _sub(doc, "citation")
    _sub(_sub(cit, "titlStmt"), "titl", f"{codebook.text('cb_title')}: {codebook.title}")
    _sub(_sub(cit, "prodStmt"), "software", "sid", version=__version__)

    stdy = _sub(root, "stdyDscr")
    cit = _sub(stdy, "citation")
    titl = _sub(cit, "titlStmt")
    _sub(titl, "titl", codebook.title)
    _sub(titl, "IDNo", study_id)
    info = _sub(stdy, "stdyInfo")
    for line in codebook.documents:
        _sub(info, "notes", line)

    books = [(codebook, None, sav_sha256), *((f.codebook, f, (digests or {}).get(f.codebook.sav_name))
                                            for f in codebook.linked)]
    ids: list[dict[str, str]] = []
    at = 1
    for book, _, _ in books:  # variable ids run on over the files: V1 … in the main file, then each roster's
        ids.append({name: f"V{i}" for i, name in enumerate(book.variables["variabele"], start=at)})
        at += len(book.variables)
    for number, (book, linked, digest) in enumerate(books, start=1):
        fdscr = _sub(root, "fileDscr", ID=f"F{number}")
        ftxt = _sub(fdscr, "fileTxt")
        _sub(ftxt, "fileName", book.sav_name)
        if digest:
            fp = _sub(ftxt, "dataFingerprint", type="dataFile")
            _sub(fp, "digitalFingerprintValue", digest)
            _sub(fp, "algorithmSpecification", "SHA-256")
        if linked is not None:  # a roster file: what a row is and how it links (its keys)
            _sub(ftxt, "fileCont", codebook.text("ddi_roster", roster=linked.roster, parent=linked.parent,
                                                 keys=" ".join(linked.keys[:-1])))
            strc = _sub(ftxt, "fileStrc", type="relational")
            _sub(strc, "recGrp", ID=f"R{number}", keyvar=" ".join(ids[number - 1][k] for k in linked.keys
                                                                   if k in ids[number - 1]))
        dims = _sub(ftxt, "dimensns")
        _sub(dims, "caseQnty", book.rows)
        _sub(dims, "varQnty", len(book.variables))
        _sub(ftxt, "fileType", "IBM SPSS Statistics (.sav)", charset="UTF-8")

    data = _sub(root, "dataDscr")
    for i, s in enumerate(codebook.mrsets.itertuples(index=False), start=1):
        grp = _sub(data, "varGrp", ID=f"G{i}", type="multipleResp", name=s.set,
                   var=" ".join(ids[0][v] for v in s.variabelen.split()))
        _sub(grp, "labl", s.label)
    group = len(codebook.mrsets)
    for number, (book, _, _) in enumerate(books[1:], start=2):
        for s in book.mrsets.itertuples(index=False):
            group += 1
            grp = _sub(data, "varGrp", ID=f"G{group}", type="multipleResp", name=s.set,
                       var=" ".join(ids[number - 1][v] for v in s.variabelen.split()))
            _sub(grp, "labl", s.label)
    for number, (book, _, _) in enumerate(books, start=1):
        values = by_variable(book.values)
        for rec in book.variables.to_dict("records"):
            _var(data, rec, ids[number - 1][rec["variabele"]], book, values.get(rec["variabele"]), f"F{number}")
    return ET.ElementTree(root)


def _var(parent: ET.Element, rec: dict, vid: str, codebook: Codebook, values, file: str = "F1") -> None:
    kind = KINDS.get(rec["type"].split(" (", 1)[0], "other")
    categorical = values is not None and any(val["ontbrekend"] in NO for val in values)
    attrs = {"ID": vid, "name": rec["variabele"], "files": file,
             "intrvl": "contin" if rec["meetniveau"] == "scale" and not categorical else "discrete",
             "nature": {"nominal": "nominal", "ordinal": "ordinal", "scale": "interval"}[rec["meetniveau"]],
             "representationType": "code" if categorical else
             {"numeric": "numeric", "string": "text", "datetime": "datetime"}.get(kind, "other")}
    var = _sub(parent, "var", **attrs)
    _sub(var, "labl", rec["label"], level="variable")
    for lc in codebook.languages:
        text = rec.get(f"vraag_{lc}", "")
        if text:
            qstn = _sub(var, "qstn", **{"ID": f"{vid}Q{lc}"})
            qstn.set(XML_LANG, lc)
            _sub(qstn, "qstnLit", text)
    missing = [val["code"] for val in values or () if val["ontbrekend"] in YES]
    if missing:
        inv = _sub(var, "invalrng")
        for code in missing:
            _sub(inv, "item", VALUE=code)
    if rec["routing"]:
        _sub(var, "universe", rec["routing"], clusion="I")
    if kind in ("numeric", "string", "datetime"):
        _sub(var, "sumStat", rec["geldig"], type="vald")
        _sub(var, "sumStat", int(rec["ontbrekend"] or 0) + int(rec["leeg"] or 0), type="invd")
    for stat, ddi_type in (("minimum", "min"), ("maximum", "max"), ("gemiddelde", "mean")):
        if rec[stat] not in ("", None) and kind == "numeric":
            _sub(var, "sumStat", rec[stat], type=ddi_type)
    if values is not None:
        for val in values:
            cat = _sub(var, "catgry", missing="Y" if val["ontbrekend"] in YES else "N")
            _sub(cat, "catValu", val["code"])
            _sub(cat, "labl", val["label"], level="category")
            for lc in codebook.languages:
                other = val.get(f"label_{lc}", "")
                if lc != codebook.language and other and other != val["label"]:
                    el = _sub(cat, "labl", other, level="category")
                    el.set(XML_LANG, lc)
            _sub(cat, "catStat", val["aantal"], type="freq")
    if rec["afleiding"]:
        der = _sub(var, "derivation")
        _sub(der, "drvdesc", codebook.text("ddi_derived"))
        _sub(der, "drvcmd", rec["afleiding"], syntax="XLSForm")
    fmt = rec["formaat"]
    _sub(var, "varFormat", fmt, type="character" if fmt.startswith("A") else "numeric",
         formatname=fmt.rstrip("0123456789."), schema="SPSS",
         category="date" if kind == "datetime" else "other")
    if rec["module"]:
        _sub(var, "notes", f"Module: {rec['module']}")
    media = media_type(rec["type"])
    if media:  # a media question: the name of the file, not the file
        _sub(var, "notes", codebook.text("ddi_media", type=media), type="media")


def write_ddi(codebook: Codebook, target: Path, *, study_id: str, sav_sha256: str | None = None,
              digests: dict[str, str] | None = None) -> None:
    tree = ddi_tree(codebook, study_id=study_id, sav_sha256=sav_sha256, digests=digests)
    ET.indent(tree, space=" ")
    with atomic_path(target) as tmp:
        tree.write(tmp, encoding="UTF-8", xml_declaration=True)


def _id(text: str) -> str:
    """An xs:ID (NCName): starts with a letter or _, no spaces."""
    out = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)
    return out if out[:1].isalpha() or out[:1] == "_" else f"_{out}"
