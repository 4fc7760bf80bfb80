"""Rule files beside the form (schemas/*.yaml): YAML lists of named rules, read with clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import SidError


class _NoAliases(yaml.SafeLoader):
    """YAML without anchors and aliases: rule files do not need them, and an alias bomb (a few
    lines that expand to billions of nodes) would take all memory."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in sid's rule files",
                                              self.peek_event().start_mark)
        return super().compose_node(parent, index)


# The largest rule file sid reads: rule files are small text files (a bound against a runaway one).
MAX_RULE_FILE_BYTES = 10 << 20


def read_rule_list(path: Path, kind: str, setting: str) -> list[Any]:
    """The list in a YAML file (or under the key `kind` of a mapping); errors name the line.

    `kind` is the plural noun of the file's entries (``rules``, ``corrections``), `setting` the
    sid.toml key that names the file."""
    if not path.is_file():
        raise SidError(f"{kind}_missing", "file not found", file=path, fix=f"Check {setting} in sid.toml.")
    if path.stat().st_size > MAX_RULE_FILE_BYTES:
        raise SidError(f"{kind}_invalid", f"the file is larger than {MAX_RULE_FILE_BYTES >> 20} MB", file=path,
                       fix=f"Check {setting} in sid.toml: it should name a short YAML file of {kind}.")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_NoAliases) or []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SidError(f"{kind}_invalid", f"not valid YAML ({getattr(exc, 'problem', exc)})", file=path,
                       row=mark.line + 1 if mark else None,
                       fix="Correct the YAML at that line (indentation, quotes, colons).") from None
    except UnicodeDecodeError:
        raise SidError(f"{kind}_invalid", "not UTF-8 text", file=path, fix="Save the file as UTF-8.") from None
    if isinstance(data, dict):
        data = data.get(kind, [])
    if not isinstance(data, list):
        raise SidError(f"{kind}_invalid", f"expected a list of {kind}", file=path)
    return data
