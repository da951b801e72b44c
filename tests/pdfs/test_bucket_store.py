"""The S3 file store against a real S3 server on 127.0.0.1 (moto's), and the PDF lifecycle
on top of it."""

import hashlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from faktura.app import create_app
from faktura.config import Settings
from faktura.db.session import Database
from faktura.pdfs.storage import BucketStore, FileMissing, file_store
from tests.accounts.factories import ApiClient, create_account_with_key
from tests.documents.factories import create_document, exact
from tests.listeners import free_port
from tests.pdfs.factories import run_archive_jobs

BUCKET = "faktura-files"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_url)
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def bucket_settings(settings: Settings, s3_url: str, s3: Any) -> Settings:
    return settings.model_copy(
        update={
            "files_s3_bucket": BUCKET,
            "files_s3_prefix": "tenant-a/",
            "files_s3_endpoint_url": s3_url,
        }
    )


async def test_the_bucket_store_keeps_and_returns_bytes(bucket_settings: Settings, s3: Any) -> None:
    store = file_store(bucket_settings)
    assert isinstance(store, BucketStore)

    await store.put("pdfs/a/b/c.pdf", b"%PDF-1.7 bytes")

    assert await store.get("pdfs/a/b/c.pdf") == b"%PDF-1.7 bytes"
    stored = s3.get_object(Bucket=BUCKET, Key="tenant-a/pdfs/a/b/c.pdf")["Body"].read()
    assert stored == b"%PDF-1.7 bytes"
    await store.delete("pdfs/a/b/c.pdf")
    with pytest.raises(FileMissing):
        await store.get("pdfs/a/b/c.pdf")
    with pytest.raises(ValueError, match="not a file key"):
        await store.put("../escape", b"x")


@pytest.fixture
async def bucket_api(bucket_settings: Settings) -> AsyncIterator[tuple[ApiClient, Database]]:
    app = create_app(bucket_settings)
    db = app.state.runtime.db
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as http:
        yield await create_account_with_key(db, http), db
    await db.dispose()


async def test_pdfs_are_archived_in_the_bucket(
    bucket_api: tuple[ApiClient, Database], bucket_settings: Settings, s3: Any
) -> None:
    api, db = bucket_api
    invoice = await create_document(api)

    await run_archive_jobs(db, bucket_settings, api.account_id)

    pdf = exact(await api.get(f"/v1/invoices/{invoice['id']}"))["pdf"]
    assert pdf["status"] == "ready"
    key = f"tenant-a/pdfs/{api.account_id}/{invoice['id']}/{pdf['sha256']}.pdf"
    stored = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == pdf["sha256"]
    served = await api.get(f"/v1/invoices/{invoice['id']}/pdf")
    assert served.content == stored
