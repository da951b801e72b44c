"""E-invoice figures: the time to export one invoice in each format, through the API in
process, and the time the official rules take to validate one once compiled.

    python -m bench.einvoice [--db sqlite|postgresql] [--invoices 100] [--out bench/results]

Target (docs/performance.md): UBL and CII ≤ 20 ms per invoice; Factur-X is reported apart
(it carries the PDF, archived before the clock starts).
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import RESULTS, ROOT, _env, _faktura, _seed, make_database, write_figures

KIT = ROOT.parent / "shared" / "validation"


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
    }


async def _measure(url: str, files: Path, invoices: int) -> dict[str, Any]:
    import httpx

    from faktura.app import create_app
    from faktura.config import Settings

    settings = Settings(database_url=url, files_dir=files, worker_in_process=False)
    app = create_app(settings)
    seeded = json.loads(_seed(["--customers", "1", "--invoices", "0"], _env(url)))
    headers = {"Authorization": f"Bearer {seeded['key']}"}
    figures: dict[str, Any] = {}
    exported: dict[str, list[bytes]] = {"ubl": [], "cii": []}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
    ) as client:
        account = await client.patch(
            "/v1/account",
            json={
                "legal_name": "Bench GmbH",
                "tax_id": "DE136695976",
                "address": {
                    "street": "Hauptstraße 1",
                    "city": "Berlin",
                    "zip": "10115",
                    "country": "DE",
                },
                "electronic_address": {"scheme": "9930", "id": "DE136695976"},
                "vat_rates": [{"name": "Standard", "rate": "19"}, {"name": "Reduced", "rate": "7"}],
            },
        )
        rates = [rate["id"] for rate in account.json()["vat_rates"]]
        customer = await client.post(
            "/v1/customers",
            json={
                "company_name": "Globex SARL",
                "tax_id": "FR40303265045",
                "address": {"city": "Paris", "zip": "75002", "country": "FR"},
                "electronic_address": {"scheme": "9957", "id": "FR40303265045"},
                "contacts": [{"contact_name": "A", "email": "ap@globex.example"}],
            },
        )
        ids = []
        for n in range(invoices):
            lines = [
                {
                    "description": f"Work {i}",
                    "quantity": str(i + 1),
                    "unit_price": "95.50",
                    "vat_rate_id": rates[i % 2],
                    "unit": "hour",
                }
                for i in range(5)
            ]
            created = await client.post(
                "/v1/invoices",
                json={
                    "customer_id": customer.json()["id"],
                    "currency": "EUR",
                    "line_items": lines,
                    "purchase_order": f"PO-{n}",
                },
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
            await client.get(f"/v1/invoices/{ids[-1]}/pdf")  # archived before timing
        for fmt in ("ubl", "cii", "facturx"):
            samples = []
            for invoice_id in ids:
                started = time.perf_counter()
                response = await client.get(f"/v1/invoices/{invoice_id}/einvoice?format={fmt}")
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                if fmt in exported:
                    exported[fmt].append(response.content)
            figures[f"export_{fmt}"] = _ms(samples)
    await app.state.runtime.db.dispose()
    if (KIT / "einvoice_validator.py").exists():
        sys.path.insert(0, str(KIT))
        from einvoice_validator import Validator

        for fmt, rules in (("ubl", ["en16931-ubl", "peppol-ubl"]), ("cii", ["en16931-cii"])):
            started = time.perf_counter()
            validator = Validator(rules)
            compiled = time.perf_counter() - started
            samples = []
            for data in exported[fmt]:
                started = time.perf_counter()
                assert validator.validate_bytes(data).ok
                samples.append(time.perf_counter() - started)
            figures[f"validate_{fmt}"] = {"compile_s": round(compiled, 2), **_ms(samples)}
    return figures


def run(kind: str, invoices: int) -> dict[str, Any]:
    database = make_database(kind, smoke=True)
    try:
        _faktura(["migrate"], _env(database.url))
        files = Path(tempfile.mkdtemp(prefix="faktura-bench-einvoice-"))
        figures = asyncio.run(_measure(database.url, files, invoices))
        print(f"  einvoice ({kind}): {figures}", flush=True)
        return figures
    finally:
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--invoices", type=int, default=100)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    einvoice = {kind: run(kind, args.invoices) for kind in args.db or ["sqlite"]}
    write_figures(args.out, "einvoice", {"einvoice": einvoice})


if __name__ == "__main__":
    main()
