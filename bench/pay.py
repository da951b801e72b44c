"""Payment link figures: how long from a provider's notification to the invoice showing paid,
and what one pay request (the test provider's card, applied at once) takes.

    python -m bench.pay [--db sqlite|postgresql] [--payments 200] [--out bench/results]

Each sample: an invoice, a link, a payment started with the test card that waits for the bank
(pending), then the provider's signed `succeeded` notification posted to
/providers/test/notifications; the clock runs from posting it to the first GET of the invoice
that shows `paid`. The app runs in this process (ASGI, no network), so the figures are
Faktura's own work: verifying, recording the payment, the receipt and the events.
"""

import argparse
import asyncio
import json
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import RESULTS, _env, _faktura, _seed, make_database, write_figures

PENDING_CARD = "4000002500003155"
PAYING_CARD = "4242424242424242"


def _ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


async def _measure(url: str, files: Path, payments: int) -> dict[str, Any]:
    import httpx

    from faktura.app import create_app
    from faktura.config import Settings
    from faktura.payment_links.providers.registry import test_provider
    from faktura.payment_links.providers.test import SIGNATURE_HEADER
    from faktura.wiring import wire

    wire()
    settings = Settings(
        database_url=url,
        files_dir=files,
        secret_key=secrets.token_hex(16),
        pay_page_rate_limit_per_minute=1_000_000,
        worker_in_process=False,
    )
    app = create_app(settings)
    provider = test_provider(settings)
    seeded = json.loads(_seed(["--customers", "5", "--invoices", "0"], _env(url)))
    headers = {"Authorization": f"Bearer {seeded['key']}"}
    card = {"card_expiry": "12/30", "card_cvc": "123", "installments": "1"}
    notified, paid_requests = [], []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
    ) as client:
        customer = (await client.get("/v1/customers?per_page=1")).json()["data"][0]["id"]

        async def link_of_new_invoice() -> tuple[str, str]:
            invoice = await client.post(
                "/v1/invoices",
                json={
                    "customer_id": customer,
                    "tax_amount": "0",
                    "line_items": [{"description": "Work", "quantity": "1", "unit_price": "120"}],
                },
            )
            assert invoice.status_code == 201, invoice.text
            link = await client.post(
                "/v1/payment_links", json={"document_id": invoice.json()["id"]}
            )
            assert link.status_code == 201, link.text
            return invoice.json()["id"], link.json()["url"].rsplit("/", 1)[1]

        for _ in range(payments):
            invoice_id, token = await link_of_new_invoice()
            started = time.perf_counter()
            page = await client.post(f"/pay/{token}", data={**card, "card_number": PAYING_CARD})
            paid_requests.append(time.perf_counter() - started)
            assert page.status_code == 200, page.text

        for _ in range(payments):
            invoice_id, token = await link_of_new_invoice()
            page = await client.post(f"/pay/{token}", data={**card, "card_number": PENDING_CARD})
            assert page.status_code == 202, page.text
            links = await client.get(f"/v1/payment_links?document_id={invoice_id}")
            attempt = await _pending_attempt(app, links.json()["data"][0]["id"])
            body = json.dumps(
                {"id": f"ev_{secrets.token_hex(8)}", "payment_id": attempt, "type": "succeeded"}
            ).encode()
            started = time.perf_counter()
            answer = await client.post(
                "/providers/test/notifications",
                content=body,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: provider.sign(body)},
            )
            assert answer.status_code == 200, answer.text
            while (await client.get(f"/v1/invoices/{invoice_id}")).json()["status"] != "paid":
                pass
            notified.append(time.perf_counter() - started)
    await app.state.runtime.db.dispose()
    return {
        "payments": payments,
        "notification_to_paid_p50_ms": _ms(notified, 0.5),
        "notification_to_paid_p99_ms": _ms(notified, 0.99),
        "pay_request_p50_ms": _ms(paid_requests, 0.5),
        "pay_request_p99_ms": _ms(paid_requests, 0.99),
        "pay_request_mean_ms": round(statistics.mean(paid_requests) * 1000, 2),
    }


async def _pending_attempt(app: Any, link_id: str) -> str:
    """The provider's id of the link's pending payment (what its notification names)."""
    import uuid

    from sqlalchemy import select

    from faktura.payment_links.models import ProviderPayment

    async with app.state.runtime.db.transaction(writes=False) as session:
        found = await session.execute(
            select(ProviderPayment.provider_payment_id).where(
                ProviderPayment.link_id == uuid.UUID(link_id)
            )
        )
        return str(found.scalar_one())


def run(kind: str, payments: int) -> dict[str, Any]:
    database = make_database(kind, smoke=True)
    try:
        _faktura(["migrate"], _env(database.url))
        files = Path(tempfile.mkdtemp(prefix="faktura-bench-pay-"))
        figures = asyncio.run(_measure(database.url, files, payments))
        print(f"  pay ({kind}): {figures}", flush=True)
        return figures
    finally:
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--payments", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    pay = {kind: run(kind, args.payments) for kind in args.db or ["sqlite"]}
    write_figures(args.out, "pay", {"pay": pay})


if __name__ == "__main__":
    main()
