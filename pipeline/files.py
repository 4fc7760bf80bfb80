"""Atomic output files: write to a temporary file beside the target, then rename."""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import hashlib
import os
import shutil
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pipeline.faults import checkpoint


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target.

    An interrupted or failed write leaves the previous file untouched (os.replace is atomic
    within one file system) and removes the temporary file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):  # left by a killed run
        stale.unlink(missing_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the user's usual mode
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        checkpoint(f"write:{target.name}")
        os.replace(tmp, target)
    except OSError as exc:  # disk full, permission denied ...: name the file (libraries often do not)
        if exc.errno is None or exc.filename is not None:
            raise
        raise OSError(exc.errno, exc.strerror or os.strerror(exc.errno), str(target)) from exc
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(target: Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)


def write_cache(target: Path, data: bytes) -> None:
    """A cache file in work/ (what sid can make again from its inputs: the converted form, a classification),
    written atomically (a temporary file renamed) when its folder exists, but without the fsync and the
    fault-injection checkpoint of `atomic_path`: the checkpoint would be reached only by the run that fills
    the cache, not by the reruns the robustness tests kill at every checkpoint; a cache lost to a crash,
    a full disk or a read-only work/ only costs the work again."""
    if not target.parent.is_dir():
        return
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(name, target)
    except OSError:
        pass
    finally:
        Path(name).unlink(missing_ok=True)


def copy_into(path: Path, source: Path, target: Path) -> None:
    """Copy the file `path` (below the folder `source`) to the same place below `target`."""
    dest = target / path.relative_to(source)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, dest)


def zip_bomb(path: Path, max_bytes: int, max_ratio: float) -> str | None:
    """What is wrong with the zip file `path` (an .xlsx) as its directory says, before anything is
    unpacked: more than `max_bytes` in all, or a part that unpacks to more than `max_ratio` times
    its packed size (only parts of 1 MB and more: tiny parts compress well). None when it is fine,
    or when it is no zip at all (the reader says so)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    total = sum(p.file_size for p in parts)
    if total > max_bytes:
        return f"it unpacks to {total / 2**20:,.0f} MB, more than {max_bytes / 2**20:,.0f} MB"
    for part in parts:
        if part.file_size >= 1 << 20 and part.file_size > max_ratio * max(part.compress_size, 1):
            return (f"its part {part.filename} unpacks {part.file_size / max(part.compress_size, 1):,.0f} times "
                    f"its packed size, more than {max_ratio:g} (a zip bomb?)")
    return None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def replace_directory(new: Path, target: Path) -> None:
    """Make the fully written folder `new` become `target` in one step.

    On Linux both folders are exchanged atomically (renameat2 with RENAME_EXCHANGE), so a reader
    or a crash sees either the whole previous delivery or the whole new one, never a mix; the
    previous one is then removed. Elsewhere (or when `target` does not exist yet) the previous
    folder is renamed aside first and restored by `recover_directory` if the process dies in
    between."""
    new, target = Path(new), Path(target)
    if target.is_dir() and _exchange(new, target):
        shutil.rmtree(new)  # now holds the previous delivery
        return
    aside = target.with_name(f".{target.name}.previous")
    if aside.exists():
        shutil.rmtree(aside)
    if target.exists():
        os.replace(target, aside)
    os.replace(new, target)
    if aside.exists():
        shutil.rmtree(aside)


def recover_directory(target: Path) -> None:
    """Undo a replace_directory that died between its two renames (non-Linux fallback only)."""
    aside = Path(target).with_name(f".{Path(target).name}.previous")
    if aside.is_dir() and not Path(target).exists():
        os.replace(aside, target)


def _exchange(a: Path, b: Path) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    done = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    return done == 0  # e.g. EXDEV (other file system) or EINVAL (unsupported): fall back


def release_memory() -> None:
    """Give the memory the last stage freed back to the system (glibc's malloc and Arrow's pool
    keep freed pages for later use): the next stage starts from what is alive, not from the
    previous stage's peak."""
    import pyarrow  # only once data was read (pandas has imported it then): not for every command that writes a file

    pyarrow.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl): nothing to give back this way
            pass
