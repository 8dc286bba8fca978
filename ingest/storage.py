"""Atomic writes, checksums and the snapshot checksum list.

Writes go to a temporary file in the destination directory and are moved into place with ``os.replace``, so a
failed run never leaves a half-written file where a previous good one was.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from .errors import ChecksumError, MissingInputError

#: The repository's data snapshot (copied from the official releases, see data/snapshot/*/PROVENANCE.md).
SNAPSHOT_ROOT = Path(__file__).resolve().parent.parent / "data" / "snapshot"
SHA256_LIST = "SHA256SUMS"


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def atomic_path(dest: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; on success move it over ``dest`` atomically."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=suffix + ".tmp", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_bytes(dest: str | Path, data: bytes) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(dest: str | Path, text: str) -> None:
    atomic_write_bytes(dest, text.encode("utf-8"))


def atomic_write_json(dest: str | Path, obj: Any) -> None:
    atomic_write_text(dest, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def atomic_write_parquet(dest: str | Path, df: pd.DataFrame) -> None:
    with atomic_path(dest, suffix=".parquet") as tmp:
        df.to_parquet(tmp, index=False)


@contextlib.contextmanager
def atomic_directory(dest: str | Path) -> Iterator[Path]:
    """Build a directory in a temporary sibling, then swap it in (the old one is removed only after success)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        yield tmp
        old = None
        if dest.exists():
            old = dest.with_name(f".{dest.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(dest, old)
        os.replace(tmp, dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def read_checksum_list(root: Path = SNAPSHOT_ROOT) -> dict[str, str]:
    """Return {relative path: sha256} from ``root/SHA256SUMS`` (``sha256sum`` format)."""
    listing = root / SHA256_LIST
    if not listing.exists():
        raise MissingInputError("the snapshot checksum list is missing", path=listing)
    out: dict[str, str] = {}
    for lineno, line in enumerate(listing.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, rel = line.partition("  ")
        if len(digest) != 64 or not rel:
            raise ChecksumError("malformed checksum line", path=listing, row=lineno,
                                expected="'<64 hex>  <path>'", got=line[:80])
        out[rel.strip()] = digest
    return out


_VERIFIED: dict[tuple[str, float, int], str] = {}


def verify_snapshot_file(path: str | Path, root: Path = SNAPSHOT_ROOT) -> str:
    """Check a snapshot file against the recorded SHA-256 and return the digest.

    Files outside the snapshot (a user's newer official release given by path) are not checked against the list;
    their digest is returned so that it can be recorded in the table manifest.
    """
    path = Path(path).resolve()
    if not path.exists():
        raise MissingInputError("input file not found", path=path)
    st = path.stat()
    key = (str(path), st.st_mtime, st.st_size)
    if key in _VERIFIED:
        return _VERIFIED[key]
    digest = sha256_file(path)
    try:
        rel = path.relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = None
    if rel is not None:
        expected = read_checksum_list(root).get(rel)
        if expected is None:
            raise ChecksumError("file is in the snapshot folder but not in its SHA256SUMS list", path=path)
        if expected != digest:
            raise ChecksumError(
                "file differs from the snapshot's recorded SHA-256 (changed, truncated or corrupted); "
                "restore it from git or point the ingestor at a new file by path",
                path=path, expected=expected, got=digest)
    _VERIFIED[key] = digest
    return digest
