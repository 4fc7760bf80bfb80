"""work/stages/digests.json: a file's SHA-256 is read again whenever the file may have changed
(pipeline/rerun/digests.py), and kept between runs only for files that had settled when read."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from pipeline.rerun import digests


@pytest.fixture
def counted(monkeypatch):
    """The files actually read (hashed), and a fresh process's empty memory."""
    reads: list[str] = []
    real = digests.sha256

    def sha256(path: Path) -> str:
        reads.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(digests, "sha256", sha256)
    monkeypatch.setattr(digests, "_caches", {})
    monkeypatch.setattr(digests, "_dirty", set())
    monkeypatch.setattr(digests, "_owned", {})
    return reads


def _new_process(monkeypatch) -> None:
    monkeypatch.setattr(digests, "_caches", {})
    monkeypatch.setattr(digests, "_dirty", set())
    monkeypatch.setattr(digests, "_owned", {})


def test_a_settled_file_is_read_once_across_runs(tmp_path, counted, monkeypatch):
    folder = tmp_path / "work" / "stages"
    folder.mkdir(parents=True)
    data = tmp_path / "export.csv"
    data.write_bytes(b"a;b\n1;2\n")
    monkeypatch.setattr(digests, "SETTLED", -1.0)  # as if written long ago
    expected = hashlib.sha256(data.read_bytes()).hexdigest()
    assert digests.digest(data, folder) == expected
    digests.save(folder)
    assert json.loads((folder / digests.CACHE).read_text())["files"][str(data.resolve())][1] == expected
    _new_process(monkeypatch)
    assert digests.digest(data, folder) == expected
    assert counted == ["export.csv"]  # the second run took it from digests.json


def test_a_file_changed_in_place_with_its_times_set_back_is_read_again(tmp_path, counted, monkeypatch):
    folder = tmp_path / "stages"
    folder.mkdir()
    data = tmp_path / "rules.yaml"
    data.write_text("severity: warning\n")
    monkeypatch.setattr(digests, "SETTLED", -1.0)
    before = digests.digest(data, folder)
    digests.save(folder)
    stat = data.stat()
    with open(data, "r+b") as fh:  # same size, same inode, modification time restored: the change time moves
        fh.write(b"SEVERITY")
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    _new_process(monkeypatch)
    after = digests.digest(data, folder)
    assert after != before and after == hashlib.sha256(data.read_bytes()).hexdigest()
    assert counted == ["rules.yaml", "rules.yaml"]


def test_a_file_read_just_after_it_changed_is_not_kept(tmp_path, counted, monkeypatch):
    folder = tmp_path / "stages"
    folder.mkdir()
    data = tmp_path / "cleaned.parquet"
    data.write_bytes(b"x" * 100)
    digests.digest(data, folder)  # written a moment ago: within SETTLED seconds
    digests.save(folder)
    assert not (folder / digests.CACHE).exists()
    digests.digest(data, folder)
    assert counted == ["cleaned.parquet", "cleaned.parquet"]


def test_a_file_this_run_wrote_is_read_once_in_this_process_only(tmp_path, counted, monkeypatch):
    """A new .sav or log (`owned`: written by this run) is read once by the stage record, the DDI and the
    manifest; rewritten as sid writes (a new file renamed into place), same size, it is read again; its
    digest is never kept for another process, and a file the run did not write is read each time."""
    from pipeline.files import write_text_atomic

    folder = tmp_path / "stages"
    folder.mkdir()
    sav = tmp_path / "survey.sav"
    write_text_atomic(sav, "A" * 100)
    first = digests.digest(sav, folder, owned=True)
    assert digests.digest(sav, folder, owned=True) == first
    assert counted == ["survey.sav"]
    write_text_atomic(sav, "B" * 100)  # the same size, within the same moment
    assert digests.digest(sav, folder, owned=True) == hashlib.sha256(b"B" * 100).hexdigest()
    assert counted == ["survey.sav"] * 2
    digests.save(folder)
    assert not (folder / digests.CACHE).exists()  # just written: not kept for the next run
    _new_process(monkeypatch)
    digests.digest(sav, folder, owned=True)
    raw = tmp_path / "export.csv"
    raw.write_bytes(b"x" * 10)
    digests.digest(raw, folder)
    digests.digest(raw, folder)  # a raw export a person may change meanwhile: read again
    assert counted == ["survey.sav"] * 3 + ["export.csv"] * 2


def test_a_damaged_or_foreign_cache_is_ignored(tmp_path, counted, monkeypatch):
    folder = tmp_path / "stages"
    folder.mkdir()
    data = tmp_path / "form.xlsx"
    data.write_bytes(b"form")
    for text in ("{not json", json.dumps({"format": 99, "files": {}}),
                 json.dumps({"format": digests.FORMAT, "files": {str(data.resolve()): [[1, 2], "0" * 64]}})):
        (folder / digests.CACHE).write_text(text)
        _new_process(monkeypatch)
        assert digests.digest(data, folder) == hashlib.sha256(b"form").hexdigest()


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(OSError):
        digests.digest(tmp_path / "absent.csv", tmp_path)
