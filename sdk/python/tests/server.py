"""A real Faktura server for the tests: its own SQLite database in a temporary data directory,
served by `faktura serve` on a free loopback port, with accounts and keys made by its CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[3]


def faktura_executable() -> str:
    if os.environ.get("FAKTURA_BIN"):
        return os.environ["FAKTURA_BIN"]
    beside = Path(sys.executable).parent / "faktura"
    return str(beside if beside.exists() else REPO / ".venv" / "bin" / "faktura")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Credentials:
    account_id: str
    api_key: str


class FakturaServer:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("FAKTURA_") or key == "FAKTURA_BIN"
        }
        self.env.update(
            {
                "FAKTURA_DATA_DIR": str(data_dir),
                "FAKTURA_DEFAULT_PLAN": "unlimited",  # no rate limit on the suite's own keys
                "FAKTURA_WEBHOOK_ALLOW_HOSTS": "127.0.0.1,localhost",
                "FAKTURA_SCHEDULER_INTERVAL_SECONDS": "0",
                "FAKTURA_WORKER_POLL_SECONDS": "0.1",
                "FAKTURA_AUTH_CACHE_SECONDS": "0",
                "FAKTURA_LOG_LEVEL": "warning",
            }
        )
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env["FAKTURA_PUBLIC_URL"] = self.base_url
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    def cli(self, *args: str) -> dict[str, object]:
        done = subprocess.run(
            [faktura_executable(), *args, "--json"],
            env=self.env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"faktura {' '.join(args)}: {done.stderr.decode()}")
        return dict(json.loads(done.stdout))

    def create_account(
        self, name: str, *, currency: str = "EUR", country: str = "DE"
    ) -> Credentials:
        account = self.cli(
            "accounts", "create", "--name", name, "--currency", currency, "--country", country
        )
        key = self.cli("keys", "create", "--account", str(account["id"]), "--name", "SDK tests")
        return Credentials(account_id=str(account["id"]), api_key=str(key["key"]))

    def create_accounts(self, *names: str) -> list[Credentials]:
        """Accounts and a test key for each, the CLI calls of different accounts side by side
        (each is a process of its own, seconds long)."""
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            return list(pool.map(self.create_account, names))

    def start(self) -> None:
        """Migrates and starts `faktura serve`; `wait_until_ready` waits for it, so accounts can
        be created meanwhile."""
        subprocess.run(
            [faktura_executable(), "migrate"],
            env=self.env,
            capture_output=True,
            timeout=120,
            check=True,
        )
        self._spawn()

    def _spawn(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [faktura_executable(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_ready(self, timeout: float = 90) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        respawns = 2  # the free port may be taken between finding it and binding it
        while True:  # readiness: the first answer of /healthz
            if self.process.poll() is not None:
                log = self.log.read_text()
                if "in use" not in log or not respawns:
                    raise RuntimeError(f"faktura serve exited: {log}")
                respawns -= 1
                self.port = free_port()
                self.base_url = f"http://127.0.0.1:{self.port}"
                self.env["FAKTURA_PUBLIC_URL"] = self.base_url
                self._spawn()
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"faktura serve did not answer: {self.log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
