"""Checksums of what the delivery means (data and SPSS metadata), not of its file bytes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
                          .encode("utf-8")).hexdigest()[:16]


def _columns(frame: pd.DataFrame) -> dict[str, str]:
    """One checksum per column, of its values written as text (NaN/None as '')."""
    return {str(name): _digest([("" if pd.isna(v) else repr(v)) for v in frame[name].tolist()])
            for name in frame.columns}


def delivery_fingerprint(cleaned: Path, stem: str) -> dict:
    data, meta = pyreadstat.read_sav(str(cleaned / f"{stem}.sav"), user_missing=True)
    sav_meta = {
        "file_label": meta.file_label,
        "columns": meta.column_names,
        "labels": meta.column_labels,
        "value_labels": {k: {str(c): t for c, t in v.items()}
                         for k, v in meta.variable_value_labels.items()},
        "missing_ranges": meta.missing_ranges,
        "missing_user_values": meta.missing_user_values,
        "measure": meta.variable_measure,
        "formats": meta.original_variable_types,
        "display_width": meta.variable_display_width,
        "alignment": meta.variable_alignment,
        "mr_sets": meta.mr_sets,
        "notes": meta.notes,
    }
    csv = pd.read_csv(cleaned / f"{stem}.csv", dtype=str, keep_default_na=False)
    parquet = pd.read_parquet(cleaned / f"{stem}.parquet")
    schema_meta = pq.read_schema(cleaned / f"{stem}.parquet").metadata or {}
    return {
        "sav": {"rows": len(data), "data": _columns(data),
                "metadata": {k: _digest(v) for k, v in sav_meta.items()}},
        "csv": {"rows": len(csv), "columns": list(csv.columns), "data": _columns(csv)},
        "parquet": {"rows": len(parquet), "columns": list(parquet.columns),
                    "dtypes": {c: str(t) for c, t in parquet.dtypes.items()},
                    "data": _columns(parquet),
                    "metadata": {k.decode(): _digest(v.decode()) for k, v in schema_meta.items()}},
    }


if __name__ == "__main__":
    import sys

    folder = Path(sys.argv[1])
    stem = sys.argv[2] if len(sys.argv) > 2 else "sid2026"
    print(json.dumps(delivery_fingerprint(folder, stem), indent=1, sort_keys=True, ensure_ascii=False))
