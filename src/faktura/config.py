"""Settings. The only place environment variables are read."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from faktura.db.urls import async_database_url

Plan = Literal["basic", "pro", "enterprise", "unlimited"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_data_dir() -> Path:
    """Where the database and files go by default: `var/` of a checkout (the project's own
    `make run`), else the user's data directory — never inside an installed package."""
    if (PROJECT_ROOT / "pyproject.toml").exists() and (PROJECT_ROOT / "src" / "faktura").exists():
        return PROJECT_ROOT / "var"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "faktura"


DATA_DIR = Path(os.environ.get("FAKTURA_DATA_DIR") or default_data_dir())
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{DATA_DIR / 'faktura.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAKTURA_", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="sqlite:///path/to/faktura.db or postgresql://user@host:5432/database "
        "(postgres:// and the +aiosqlite / +psycopg forms too)",
    )
    database_connect_timeout_seconds: float = Field(
        5,
        gt=0,
        description="How long opening a PostgreSQL connection may take; a database that does not "
        "answer in time makes requests answer 503 instead of waiting",
    )
    database_statement_timeout_seconds: float = Field(
        30,
        ge=0,
        description="Longest a PostgreSQL statement may run before it is cancelled (503); 0: no "
        "limit",
    )
    database_pool_timeout_seconds: float = Field(
        10,
        gt=0,
        description="How long a request waits for a free pooled connection before answering 503",
    )
    database_pool_size: int = Field(
        20,
        ge=1,
        description="PostgreSQL connections each process keeps open (and up to half as many more "
        "at peaks): at least the requests one process serves at once",
    )
    redis_url: str | None = Field(
        None, description="Redis for rate limits shared by several processes; memory if unset"
    )
    rate_limit_timeout_seconds: float = Field(
        0.25,
        gt=0,
        le=5,
        description="How long counting a request in Redis may take; a Redis that does not answer "
        "in time lets requests through uncounted (for 5 s, then it is tried again)",
    )
    host: str = Field("127.0.0.1", description="Address `faktura serve` listens on")
    port: int = Field(8000, description="Port `faktura serve` listens on")
    workers: int = Field(1, description="Processes `faktura serve` starts")
    default_plan: Plan = Field(
        "unlimited", description="Rate-limit plan of keys created without one"
    )
    max_body_bytes: int = Field(1024 * 1024, description="Largest accepted request body")
    idempotency_ttl_hours: int = Field(24, description="How long idempotent responses are kept")
    auth_cache_seconds: float = Field(
        1,
        ge=0,
        le=60,
        description="How long a process trusts an API key it has checked without asking the "
        "database again: a key revoked through another process works that much longer; 0: never",
    )
    scheduler_interval_seconds: float = Field(
        300,
        ge=0,
        description="Period of the periodic jobs (overdue invoices, expired idempotency keys); "
        "0 turns off the scheduler of `faktura serve` and `faktura worker` (then run "
        "`faktura jobs run-due` from cron, which uses a 5-minute period)",
    )
    files_dir: Path = Field(
        DATA_DIR / "files",
        description="Directory of the file store: archived PDFs and account logos (docs/pdf.md)",
    )
    files_s3_bucket: str | None = Field(
        None,
        description="Keep archived PDFs and logos in this S3 bucket instead of FAKTURA_FILES_DIR; "
        "credentials and region from the usual AWS_* variables",
    )
    files_s3_prefix: str = Field("", description="Key prefix inside the bucket, e.g. `faktura/`")
    files_s3_endpoint_url: str | None = Field(
        None,
        description="Endpoint of an S3-compatible server (MinIO, Ceph, R2…); AWS when unset",
    )
    smtp_url: str | None = Field(
        None,
        description="Mail server of live-mode email: smtp://user:password@host:587 (STARTTLS when "
        "the server offers it) or smtps://…:465 (TLS from the start); an account may name its own. "
        "Unset: live messages fail with a clear reason",
    )
    smtp_from: str = Field(
        "billing@localhost",
        description="Sender address of email sent through FAKTURA_SMTP_URL; the display name is "
        "the account's (docs/email.md)",
    )
    test_smtp_url: str | None = Field(
        None,
        description="A mail sink for test-mode email (e.g. MailHog, smtp://127.0.0.1:1025); unset: "
        "test-mode messages are rendered and kept as `captured`, never sent",
    )
    smtp_timeout_seconds: float = Field(
        30, gt=0, description="Time allowed for one SMTP conversation, connection to last answer"
    )
    secret_key: str | None = Field(
        None,
        description="Encrypts secrets kept for accounts (their own SMTP passwords). Any long "
        "random string; keep it, or the stored secrets cannot be read. Unset: a key is made "
        "once in FAKTURA_FILES_DIR/secret.key",
    )
    public_url: str | None = Field(
        None,
        description="Where customers reach this server, e.g. https://billing.example.com: the "
        "base of payment links (…/pay/<token>). Unset: http://<host>:<port>",
    )
    pay_page_rate_limit_per_minute: int = Field(
        60,
        ge=1,
        description="Requests one address may make to one payment link's pages per minute",
    )
    log_level: str = Field("info", description="Log level of the server")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="text: one readable line per record; json: one JSON object per record "
        "(time, level, logger, message, request_id and the record's fields)",
    )
    webhook_allow_hosts: str = Field(
        "",
        description="Comma-separated hosts (names, IPs or CIDR ranges) that webhook endpoints may "
        "use although they are plain http or private addresses, e.g. `127.0.0.1,localhost`",
    )
    worker_in_process: bool = Field(
        True,
        description="Whether `faktura serve` also runs the job worker (webhooks, periodic jobs); "
        "false when you run `faktura worker` separately",
    )
    worker_concurrency: int = Field(10, ge=1, le=500, description="Jobs one worker runs at once")
    worker_poll_seconds: float = Field(
        1, gt=0, description="How often an idle worker looks for due jobs"
    )
    job_lease_seconds: float = Field(
        60,
        gt=0,
        description="How long a worker holds a job it runs; a killed worker's jobs run again "
        "after it. Longer than the webhook timeout.",
    )
    webhook_timeout_seconds: float = Field(
        10, gt=0, description="Time allowed for one webhook request, connection to last byte"
    )
    clearance_allow_base_url: bool = Field(
        False,
        description="Let accounts point their clearance at another address than the "
        "authority's (`base_url`: a test authority); off, such settings are refused, so no key "
        "can make the worker call an address of its choosing",
    )
    clearance_timeout_seconds: float = Field(
        20,
        gt=0,
        description="Time allowed for one request to a tax authority (myDATA, ITA); no answer "
        "in time is tried again later",
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @model_validator(mode="after")
    def _lease_outlasts_timeout(self) -> "Settings":
        if self.job_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError("FAKTURA_JOB_LEASE_SECONDS must exceed the webhook timeout")
        if self.job_lease_seconds <= self.smtp_timeout_seconds:
            raise ValueError("FAKTURA_JOB_LEASE_SECONDS must exceed the SMTP timeout")
        if self.job_lease_seconds <= self.clearance_timeout_seconds:
            raise ValueError("FAKTURA_JOB_LEASE_SECONDS must exceed the clearance timeout")
        return self

    @property
    def webhook_allowed_hosts(self) -> tuple[str, ...]:
        return tuple(
            host.strip().lower() for host in self.webhook_allow_hosts.split(",") if host.strip()
        )

    @property
    def public_base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
