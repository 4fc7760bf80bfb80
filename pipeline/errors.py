"""Errors a user can fix: bad usage, configuration or input (the CLI exits with code 2)."""

from __future__ import annotations

from pathlib import Path


class SidError(Exception):
    """One readable line: where (file, sheet, row, column), what is wrong, what to do.

    `code` is a stable identifier of the kind of problem (e.g. ``form_invalid``), for tests
    and for anyone who scripts around sid.
    """

    exit_code = 2

    def __init__(
        self,
        code: str,
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.row = row
        self.column = column
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        where = []
        if self.file:
            where.append(self.file + (f" (sheet {self.sheet})" if self.sheet else ""))
        elif self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.fix:
            text = text.rstrip(".") + ". " + self.fix
        # One line, whatever the underlying library put in its message.
        return " ".join(text.split())
