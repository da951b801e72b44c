"""The built wheel installs into a fresh environment and runs: it migrates (the migrations ship
in the package), keeps its data outside the package, and serves."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.listeners import free_port

pytestmark = [
    pytest.mark.slow,  # builds and installs a package: `make test-fast` leaves it out
    pytest.mark.skipif(
        bool(os.environ.get("FAKTURA_TEST_DATABASE_URL")),
        reason="the package does not depend on the database: once, in the SQLite run",
    ),
]

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).parent / "uv"
SUPPORTED = ("3.11", "3.12", "3.13")


def _interpreter(version: str) -> str | None:
    """A Python of that version on this machine: this one, one on PATH, or pyenv's."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(
        str(p) for p in Path.home().glob(f".pyenv/versions/{version}*/bin/python{version}")
    )
    for candidate in candidates:
        if (
            candidate
            and subprocess.run(  # noqa: S603
                [candidate, "--version"], capture_output=True, check=False, timeout=30
            ).returncode
            == 0
        ):
            return candidate
    return None


def _run(*command: str | Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(  # noqa: S603 - our own tools
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(UV, "build", "--wheel", "--out-dir", out, ROOT)
    [built] = out.glob("faktura-*.whl")
    return built


@pytest.mark.parametrize("version", SUPPORTED)
def test_the_wheel_installs_migrates_and_serves(wheel: Path, tmp_path: Path, version: str) -> None:
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    venv = tmp_path / "venv"
    _run(UV, "venv", "--quiet", "--python", python, venv)
    _run(UV, "pip", "install", "--quiet", "--python", venv / "bin" / "python", wheel)
    faktura = venv / "bin" / "faktura"
    data = tmp_path / "data"
    env = {key: value for key, value in os.environ.items() if not key.startswith("FAKTURA_")} | {
        "FAKTURA_DATA_DIR": str(data),
        "FAKTURA_PORT": str(free_port()),
    }

    _run(faktura, "migrate", env=env)
    account = json.loads(_run(faktura, "accounts", "create", "--name", "Wheel", "--json", env=env))
    key = json.loads(
        _run(faktura, "keys", "create", "--account", account["id"], "--json", env=env)
    )["key"]
    server = subprocess.Popen(  # noqa: S603
        [str(faktura), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{env['FAKTURA_PORT']}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the installed server did not start"
                time.sleep(0.2)
        me = httpx.get(f"{base}/v1/account", headers={"Authorization": f"Bearer {key}"})
    finally:
        server.terminate()
        server.wait(timeout=30)

    installed = next((venv / "lib").glob(f"python{version}/site-packages/faktura"))
    assert health.status_code == 200
    assert me.status_code == 200
    assert me.json()["name"] == "Wheel"
    assert (data / "faktura.db").exists()
    assert (installed / "migrations" / "versions").is_dir()
    assert not list(installed.rglob("*.db"))  # nothing written inside the package
    shutil.rmtree(venv)
