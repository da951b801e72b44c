"""The file store: archived PDFs and account logos, as immutable bytes under keys.

A key names its content (`pdfs/<account>/<document>/<sha256>.pdf`), so a file once written
never changes: writing it again writes the same bytes, and a row that names a key can trust
what it reads. Files are written before the transaction that names them commits; a crash in
between leaves an unnamed file, never a row naming a missing one.

The default store is a directory (`FAKTURA_FILES_DIR`). Writes go to a temporary file in the
same directory, are flushed to disk, then renamed into place: a reader sees the whole file
or none. With `FAKTURA_FILES_S3_BUCKET` the files go to an S3 bucket (AWS or any S3-compatible
server at `FAKTURA_FILES_S3_ENDPOINT_URL`), where a PUT is atomic by itself.
"""

import asyncio
import os
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any, Protocol

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


class BucketStore:
    """An S3 bucket (boto3, in a thread: its client is thread-safe)."""

    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None) -> None:
        import boto3  # imported when an S3 store is configured
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5),
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}{_checked(key)}"

    def _get(self, key: str) -> bytes:
        try:
            found = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self._client.exceptions.NoSuchKey as exc:
            raise FileMissing(key) from exc
        data: bytes = found["Body"].read()
        return data

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(
            self._client.put_object, Bucket=self.bucket, Key=self._key(key), Body=data
        )

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=self._key(key))


@cache
def _bucket(bucket: str, prefix: str, endpoint_url: str | None) -> BucketStore:
    return BucketStore(bucket, prefix, endpoint_url)


def file_store(settings: Settings) -> FileStore:
    if settings.files_s3_bucket:
        return _bucket(
            settings.files_s3_bucket, settings.files_s3_prefix, settings.files_s3_endpoint_url
        )
    return DirectoryStore(settings.files_dir)
