"""A source's typed columns put together into its frame (ingest.typed_frame)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


class TypedColumns:
    """A source's typed columns, in the order they are set: those of float64 (the numbers, most
    of a wide export) written into one block as they come, so that building the frame copies no
    answer a second time (`pd.DataFrame(dict)` would, beside the columns: time and peak memory);
    the others kept as they are. The frame is the one `pd.DataFrame(columns, index=index)` gives."""

    def __init__(self, index: pd.Index, capacity: int):
        self.index = index
        self.block = np.empty((capacity, len(index)), dtype="float64")  # rows never written take no memory
        self.rows: dict[str, int] = {}  # float64 column → its row in the block
        self.series: dict[str, pd.Series] = {}  # any other column
        self.names: list[str] = []

    def __contains__(self, name: str) -> bool:
        return name in self.rows or name in self.series

    def __getitem__(self, name: str) -> pd.Series:
        if name in self.rows:
            return pd.Series(self.block[self.rows[name]], index=self.index, name=name, copy=True)
        return self.series[name]

    def __setitem__(self, name: str, values: pd.Series) -> None:
        if name in self:
            self.rows.pop(name, None)
            self.series.pop(name, None)
        else:
            self.names.append(name)
        row = len(self.rows) if not self.rows else max(self.rows.values()) + 1
        if (values.dtype == "float64" and isinstance(values.dtype, np.dtype) and row < len(self.block)
                and values.index.equals(self.index)):
            self.block[row] = values.to_numpy()
            self.rows[name] = row
        else:
            self.series[name] = values

    def frame(self) -> pd.DataFrame:
        floats = [name for name in self.names if name in self.rows]
        if not floats:
            return pd.DataFrame({name: self.series[name] for name in self.names}, index=self.index)
        rows = [self.rows[name] for name in floats]
        block = self.block[: len(rows)] if rows == list(range(len(rows))) else self.block[rows]
        frame = pd.DataFrame(block.T, index=self.index, columns=floats, copy=False)
        with warnings.catch_warnings():  # a block per insert until the consolidation below
            warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
            for at, name in enumerate(self.names):  # every column before `at` is in place: `at` is its place
                if name in self.series:
                    frame.insert(at, name, self.series[name])
        # one block per type, as `pd.DataFrame(dict)` gives (the float block is alone of its type:
        # not copied again); pandas has no public call for it, without it the frame is only slower
        getattr(frame, "_consolidate_inplace", lambda: None)()
        return frame
