"""The file store: archived PDFs and account logos, as immutable bytes under keys.

A key names its content (`pdfs/<account>/<document>/<sha256>.pdf`), so a file once written
never changes: writing it again writes the same bytes, and a row that names a key can trust
what it reads. Files are written before the transaction that names them commits; a crash in
between leaves an unnamed file, never a row naming a missing one.

The default store is a directory (`FAKTURA_FILES_DIR`). Writes go to a temporary file in the
same directory, are flushed to disk, then renamed into place: a reader sees the whole file
or none.
"""

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from faktura.config import Settings

_KEY = re.compile(r"^[a-z]+(/[A-Za-z0-9_.-]+)+$")


class FileMissing(Exception):
    """No file has this key (it was never written, or the store lost it)."""


class FileStore(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


def _checked(key: str) -> str:
    if not _KEY.match(key) or ".." in key:
        raise ValueError(f"not a file key: {key!r}")
    return key


class DirectoryStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def _put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise FileMissing(key) from exc

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, key, data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


def file_store(settings: Settings) -> FileStore:
    return DirectoryStore(settings.files_dir)
