"""An integrator's first hour: a client generated with openapi-python-client from the document a
served Faktura answers at /openapi.json runs a customer → invoice → payment → aging flow, with
money exact to the cent.

The generator is the pinned tool of tests/generated_client/requirements.txt (a tool of its own:
its `typer<0.28` would hold back the server's typer), run with the committed
tests/generated_client/config.yml and `--fail-on-warning`, and it must print nothing but the line
naming what it generates: each warning is an operation or a model left out of the client.

Money. The document types money as `type: number, format: decimal`, with numeric strings where
a request takes money. openapi-python-client has no decimal type: every `number` becomes a
`float` in its models whatever its `format`, and it reads answers with httpx's
`response.json()`, floats already. So a generated client sends money exactly — its request models
take `float | str` where the schema takes a numeric string, and the flow sends `"0.10"` — but
its models cannot hand money back exactly. The flow reads amounts from each answer's own bytes
(`Response.content`, parsed with `parse_float=Decimal`) and uses the typed models for the rest;
the test asserts that the models' money is `float`, so that a generator which learns
`format: decimal` is noticed here. The official SDK (sdk/python, `faktura_sdk`) types money as
`Decimal` in its models.
"""

import importlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.listeners import free_port

pytestmark = [
    pytest.mark.slow,  # starts a server and the generator: `make test-fast` leaves it out
    pytest.mark.skipif(
        bool(os.environ.get("FAKTURA_TEST_DATABASE_URL")),
        reason="the generated client does not depend on the database: once, in the SQLite run",
    ),
]

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "tests" / "generated_client"
UV = Path(sys.executable).parent / "uv"
PACKAGE = "faktura_generated_client"  # config.yml's package_name_override
GERMAN = ("--currency", "EUR", "--country", "DE")  # 19 % VAT


@dataclass(frozen=True)
class Served:
    base_url: str
    key: str


def _faktura(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "faktura.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """`faktura serve` on SQLite in a temporary data directory, on a free loopback port, with a
    German account (EUR, 19 % VAT) and a test-mode key made by the CLI."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("FAKTURA_")}
    env["FAKTURA_DATA_DIR"] = str(tmp_path / "data")
    _faktura(env, "migrate")
    account = json.loads(
        _faktura(env, "accounts", "create", "--name", "Integrator GmbH", *GERMAN, "--json")
    )
    key = json.loads(
        _faktura(env, "keys", "create", "--account", account["id"], "--mode", "test", "--json")
    )["key"]
    log = tmp_path / "server.log"
    base_url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "faktura.cli", "serve"],
            env=env | {"FAKTURA_HOST": "127.0.0.1", "FAKTURA_PORT": str(port)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:  # ready at the first 200 of /healthz, within a minute
            assert server.poll() is None, f"faktura serve exited: {log.read_text()}"
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"faktura serve did not answer: {log.read_text()}"
            time.sleep(0.05)  # the pause between two polls of /healthz
        yield Served(base_url=base_url, key=key)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def generate(document: Path, output: Path) -> subprocess.CompletedProcess[str]:
    command = [str(UV), "tool", "run", "--quiet", "--isolated"]
    command += ["--constraints", str(GENERATOR / "requirements.txt")]
    command += ["--from", "openapi-python-client", "openapi-python-client", "generate"]
    command += ["--path", str(document), "--config", str(GENERATOR / "config.yml")]
    command += ["--meta", "uv", "--output-path", str(output), "--fail-on-warning"]
    return subprocess.run(  # noqa: S603 - uv and the pinned generator
        command,
        cwd=output.parent,
        capture_output=True,
        text=True,
        timeout=600,  # the first run installs the generator
        check=False,
    )


@contextmanager
def imported(project: Path) -> Iterator[ModuleType]:
    """The generated package, imported from where it was generated, and forgotten after."""
    sys.path.insert(0, str(project))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(project))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def exact(response: Any) -> Any:
    """An answer's JSON as the server wrote it: its numbers Decimal, never float."""
    return json.loads(response.content, parse_float=Decimal)


def test_a_generated_client_runs_customer_invoice_payment_aging(
    served: Served, tmp_path: Path
) -> None:
    document = httpx.get(f"{served.base_url}/openapi.json", timeout=30)
    assert document.status_code == 200
    (tmp_path / "openapi.json").write_bytes(document.content)

    generated = generate(tmp_path / "openapi.json", tmp_path / "client")

    assert generated.returncode == 0, generated.stdout + generated.stderr
    # Nothing but "Generating …": no warning, no skipped post-hook (ruff formats the client).
    assert generated.stdout.strip() == f"Generating {tmp_path / 'client'}", generated.stdout
    assert generated.stderr == ""

    with imported(tmp_path / "client") as package:
        models = importlib.import_module(f"{PACKAGE}.models")

        def operation(name: str) -> Any:
            return importlib.import_module(f"{PACKAGE}.api.{name}").sync_detailed

        # The generator's money is float whatever the format (see the module's docstring).
        assert models.Document.__annotations__["total"] == "float"
        assert models.AgingCurrency.__annotations__["total"] == "float"
        assert models.LineItemIn.__annotations__["unit_price"] == "float | None | str | Unset"
        assert models.PaymentCreate.__annotations__["amount"] == "float | str"

        client = package.AuthenticatedClient(
            base_url=served.base_url,
            token=served.key,
            timeout=httpx.Timeout(30),
            raise_on_unexpected_status=True,
        )
        with client:
            customer = operation("customers.create_customer")(
                client=client,
                body=models.CustomerCreate(
                    company_name="Globex Ltd",
                    contacts=[models.ContactIn(contact_name="Dana Levi", email="dana@globex.ex")],
                ),
            )
            assert customer.status_code == 201, customer.content
            assert isinstance(customer.parsed, models.Customer)

            # 0.10 × 3 and 212.88 + 0.35 + 0.35: sums a float gets wrong in its last digit.
            draft = operation("documents.create_invoice")(
                client=client,
                body=models.DocumentCreate(
                    customer_id=customer.parsed.id,
                    status=models.DocumentStatus.DRAFT,
                    line_items=[
                        models.LineItemIn(description="Stamps", quantity="3", unit_price="0.10"),
                        models.LineItemIn(description="Design", quantity="1", unit_price="212.88"),
                        models.LineItemIn(description="Postage", quantity="1", unit_price="0.35"),
                        models.LineItemIn(description="Postage", quantity="1", unit_price="0.35"),
                    ],
                ),
            )
            assert draft.status_code == 201, draft.content
            assert draft.parsed.status == models.DocumentStatus.DRAFT
            assert draft.parsed.number is None

            # The action's optional body is left out: the document declares it as its schema,
            # not "schema or null", whose left-out value this generator cannot send.
            invoice = operation("documents.finalize_invoice")(draft.parsed.id, client=client)
            assert invoice.status_code == 200, invoice.content
            assert invoice.parsed.status == models.DocumentStatus.PENDING
            assert invoice.parsed.number
            assert type(invoice.parsed.total) is float  # the model's; the amounts are read exact
            issued = exact(invoice)
            assert [line["amount"] for line in issued["line_items"]] == [
                Decimal("0.30"),
                Decimal("212.88"),
                Decimal("0.35"),
                Decimal("0.35"),
            ]
            assert issued["subtotal"] == Decimal("213.88")
            assert issued["tax_amount"] == Decimal("40.64")  # 19 % of 213.88 = 40.6372
            assert issued["total"] == Decimal("254.52")
            assert issued["amount_due"] == Decimal("254.52")

            payment = operation("payments.record_payment")(
                client=client,
                body=models.PaymentCreate(
                    amount="100.10",
                    payment_date=invoice.parsed.issue_date,
                    payment_method="wire",
                    invoice_id=invoice.parsed.id,
                ),
                idempotency_key=f"bank-line-{invoice.parsed.id}",
            )
            assert payment.status_code == 201, payment.content
            assert exact(payment)["amount"] == Decimal("100.10")
            assert exact(payment)["unapplied_amount"] == Decimal("0.00")

            paid = operation("documents.retrieve_invoice")(invoice.parsed.id, client=client)
            assert paid.status_code == 200, paid.content
            assert paid.parsed.status == models.DocumentStatus.PARTIAL
            assert exact(paid)["amount_paid"] == Decimal("100.10")
            assert exact(paid)["amount_due"] == Decimal("154.42")

            aging = operation("reports.aging_report")(
                client=client, as_of=invoice.parsed.issue_date
            )
            assert aging.status_code == 200, aging.content
            [currency] = aging.parsed.data
            assert currency.currency == "EUR"
            [row] = currency.customers
            assert row.customer_id == customer.parsed.id
            assert row.customer_name == "Globex Ltd"
            [exact_currency] = exact(aging)["data"]
            [exact_row] = exact_currency["customers"]
            for bucket in (exact_currency, exact_row):
                assert bucket["total"] == Decimal("154.42")
                assert bucket["current"] == Decimal("154.42")  # due in 30 days: not yet late
                assert [bucket[age] for age in ("1_30", "31_60", "61_90", "90_plus")] == [0] * 4
