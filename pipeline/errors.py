"""Errors a user can fix: bad usage, configuration or input (the CLI exits with code 2).

Every kind of problem is one member of `ErrorCode`: a stable name (for tests and for anyone who
scripts around sid) and the template of what it means, which docs/errors.md lists. A `SidError`
names where (file, sheet, row, column), what is wrong in this case, and what to do.
"""

from __future__ import annotations

import errno
from enum import StrEnum
from pathlib import Path


class ErrorCode(StrEnum):
    """The kinds of user error. A member is its name as text (`ErrorCode.FORM_MISSING ==
    "form_missing"`); `template` says what the kind means, `{detail}` being the case at hand."""

    template: str

    def __new__(cls, value: str, template: str) -> "ErrorCode":
        member = str.__new__(cls, value)
        member._value_ = value
        member.template = template
        return member

    # Usage and the project file
    USAGE = "usage", "a command-line option is wrong: {detail}"
    PROJECT_MISSING = "project_missing", "no survey project here: {detail}"
    CONFIG_INVALID = "config_invalid", "sid.toml is not valid: {detail}"
    STAGE_MISSING = "stage_missing", "a stage's input in work/ is missing: {detail}"
    PROJECT_BUSY = "project_busy", "another sid command is writing this project: {detail}"
    FOLDER_NOT_OURS = "folder_not_ours", "sid would replace a folder it did not write: {detail}"
    # The operating system
    DISK_FULL = "disk_full", "the disk is full: {detail}"
    ACCESS_DENIED = "access_denied", "a file or folder may not be written or read: {detail}"
    NOT_A_FOLDER = "not_a_folder", "a path that must be a folder is a file (or the reverse): {detail}"
    PATH_INVALID = "path_invalid", "a path cannot be used on this system: {detail}"
    # The questionnaire (XLSForm)
    FORM_MISSING = "form_missing", "the questionnaire file is missing: {detail}"
    FORM_UNREADABLE = "form_unreadable", "the questionnaire is not a readable workbook: {detail}"
    FORM_INVALID = "form_invalid", "the questionnaire breaks an XLSForm rule: {detail}"
    FORM_UNSUPPORTED = "form_unsupported", "the questionnaire uses what sid cannot represent: {detail}"
    FORM_EXPRESSION = "form_expression", "an expression in the questionnaire cannot be read: {detail}"
    FORM_CYCLE = "form_cycle", "calculates in the questionnaire depend on each other in a circle: {detail}"
    LANGUAGE_UNKNOWN = "language_unknown", "the questionnaire has no labels in the language asked for: {detail}"
    MISSING_OVERLAP = "missing_overlap", "an answer code collides with the missing-value codes: {detail}"
    # Rules and corrections beside the form
    RULES_MISSING = "rules_missing", "the rules file is missing: {detail}"
    RULES_INVALID = "rules_invalid", "the rules file is not valid: {detail}"
    CORRECTIONS_MISSING = "corrections_missing", "the corrections file is missing: {detail}"
    CORRECTIONS_INVALID = "corrections_invalid", "the corrections file is not valid: {detail}"
    # Fieldwork exports and the sample frame
    SOURCE_MISSING = "source_missing", "a fieldwork export is missing: {detail}"
    SOURCE_EMPTY = "source_empty", "a fieldwork export holds no records: {detail}"
    SOURCE_BINARY = "source_binary", "a text export holds binary data: {detail}"
    SOURCE_ENCODING = "source_encoding", "a text export cannot be decoded: {detail}"
    SOURCE_UNREADABLE = "source_unreadable", "a fieldwork export cannot be read as a table: {detail}"
    SOURCE_TOO_LARGE = "source_too_large", "a fieldwork export exceeds a bound of sid.toml [limits]: {detail}"
    SOURCE_COLUMNS = "source_columns", "a fieldwork export lacks a column it needs: {detail}"
    SOURCE_LABELS = "source_labels", "a fieldwork export's value labels contradict the form: {detail}"
    SOURCE_TWICE = "source_twice", "the same fieldwork export is listed twice: {detail}"
    KEY_DUPLICATE = "key_duplicate", "the sample frame repeats a key: {detail}"
    CONTACTS_INVALID = "contacts_invalid", "the contact log is not valid: {detail}"
    # Pseudonymisation
    KEY_MISSING = "key_missing", "no pseudonymisation key: {detail}"
    KEY_INVALID = "key_invalid", "the pseudonymisation key is not fit for use: {detail}"
    KEY_EXISTS = "key_exists", "`sid key new` would replace an existing key file: {detail}"
    # Coding
    CLASSIFICATION_MISSING = "classification_missing", "a classification file is missing: {detail}"
    CLASSIFICATION_INVALID = "classification_invalid", "a classification file is not valid: {detail}"
    CODEFRAME_INVALID = "codeframe_invalid", "a code frame is not valid: {detail}"
    WORKLIST_MISSING = "worklist_missing", "the coded worklist is missing: {detail}"
    WORKLIST_INVALID = "worklist_invalid", "the coded worklist is refused: {detail}"
    # Weights
    POPULATION_MISSING = "population_missing", "the population table is missing: {detail}"
    POPULATION_INVALID = "population_invalid", "the population table is not valid: {detail}"
    WEIGHT_STRATUM = "weight_stratum", "the design strata cannot be found: {detail}"
    WEIGHT_SAMPLE = "weight_sample", "respondents and sample frame do not match: {detail}"
    WEIGHT_MARGIN = "weight_margin", "a raking margin cannot be formed: {detail}"
    WEIGHT_FAILED = "weight_failed", "the weights cannot be computed: {detail}"
    # Delivery
    CODE_UNKNOWN = "code_unknown", "the data hold a code the form does not list: {detail}"
    EXPORT_MISMATCH = "export_mismatch", "the written SPSS file differs from its definition: {detail}"
    NOT_A_DELIVERY = "not_a_delivery", "the folder is not a sid delivery: {detail}"
    # The demo
    DEMO_EXISTS = "demo_exists", "raw/ already holds demo files: {detail}"
    DEMO_UNSUPPORTED = "demo_unsupported", "the demo generator cannot make fieldwork for this form or size: {detail}"

    def describe(self, detail: str) -> str:
        return self.template.format(detail=detail)


class SidError(Exception):
    """One readable line: where (file, sheet, row, column), what is wrong, what to do.

    `code` is an `ErrorCode` member (or its text, checked against the Enum)."""

    exit_code = 2

    def __init__(
        self,
        code: ErrorCode | str,
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.code = ErrorCode(code)  # an unknown code is a bug in sid: ValueError
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


# What the operating system says, the one line sid prints and what to do (os_fault).
_OS_FAULTS = {
    errno.ENOSPC: (ErrorCode.DISK_FULL, "no space left on the device",
                   "Free disk space (or move the project) and run again; the previous delivery is unchanged."),
    errno.EDQUOT: (ErrorCode.DISK_FULL, "the disk quota is used up",
                   "Free disk space (or move the project) and run again; the previous delivery is unchanged."),
    errno.EACCES: (ErrorCode.ACCESS_DENIED, "permission denied",
                   "Give your user write access to it (or set the path in sid.toml) and run again."),
    errno.EPERM: (ErrorCode.ACCESS_DENIED, "operation not permitted",
                  "Give your user write access to it (or set the path in sid.toml) and run again."),
    errno.EROFS: (ErrorCode.ACCESS_DENIED, "the file system is read-only",
                  "Put the project on a writable disk and run again."),
    errno.ENOTDIR: (ErrorCode.NOT_A_FOLDER, "a file stands where a folder is needed",
                    "Move that file away (or set the path in sid.toml) and run again."),
    errno.EEXIST: (ErrorCode.NOT_A_FOLDER, "a file stands where a folder is needed",
                   "Move that file away (or set the path in sid.toml) and run again."),
    errno.EISDIR: (ErrorCode.NOT_A_FOLDER, "a folder stands where a file is needed",
                   "Move that folder away (or set the path in sid.toml) and run again."),
    errno.ENAMETOOLONG: (ErrorCode.PATH_INVALID, "the path is too long for this system",
                         "Use a shorter path in sid.toml."),
    errno.ENOTEMPTY: (ErrorCode.NOT_A_FOLDER, "a folder that sid must replace is not empty",
                      "Move that folder away and run again."),
}


def os_fault(exc: OSError) -> SidError | None:
    """The user error for what the operating system refused (disk full, permission denied, a
    read-only folder, a file where a folder must be), naming the path; None for anything else
    (a bug in sid, reported as an internal error)."""
    known = _OS_FAULTS.get(exc.errno)
    if known is None:
        return None
    code, what, fix = known
    path = exc.filename if exc.filename is not None else "(path not known)"
    return SidError(code, what, file=path, fix=fix)
