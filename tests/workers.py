"""`faktura worker` as a real process, for the tests that kill one."""

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

LEASE_SECONDS = 4.0


@contextmanager
def worker_process(
    database_url: str,
    concurrency: int = 10,
    lease_seconds: float = LEASE_SECONDS,
    **settings: str,
) -> Iterator[subprocess.Popen[bytes]]:
    """A `faktura worker` process; stopped (SIGTERM, then SIGKILL) when the block ends.
    `settings` are more FAKTURA_* variables, by lower-case name."""
    env = {
        **os.environ,
        "FAKTURA_DATABASE_URL": database_url,
        "FAKTURA_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "FAKTURA_JOB_LEASE_SECONDS": str(lease_seconds),
        "FAKTURA_WEBHOOK_TIMEOUT_SECONDS": "3",
        "FAKTURA_SMTP_TIMEOUT_SECONDS": "3",
        "FAKTURA_CLEARANCE_TIMEOUT_SECONDS": "3",
        "FAKTURA_CLEARANCE_ALLOW_BASE_URL": "true",
        "FAKTURA_WORKER_POLL_SECONDS": "0.05",
        "FAKTURA_WORKER_CONCURRENCY": str(concurrency),
        "FAKTURA_DATABASE_POOL_SIZE": "4",
        **{f"FAKTURA_{name.upper()}": value for name, value in settings.items()},
    }
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "faktura.cli", "worker"],
            env=env,
            stdout=output,
            stderr=output,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
            output.seek(0)
            sys.stderr.write(output.read().decode(errors="replace"))
