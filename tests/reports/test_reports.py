"""Balance and aging: SQL aggregates that agree exactly with the invoices' amount_due."""

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert

from faktura.core.clock import utcnow
from faktura.core.ids import uuid7
from faktura.db.session import Database
from faktura.documents.models import Document
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import create_customer
from tests.documents.factories import create_document, exact, line

D = Decimal
AS_OF = "2026-11-23"


async def test_aging_buckets_on_a_fixed_date(api: ApiClient) -> None:
    globex = await create_customer(api, company_name="Globex Ltd")
    initech = await create_customer(api, company_name="Initech Inc")

    async def invoice(customer: dict, amount: str, due: str) -> dict:
        return await create_document(
            api,
            customer_id=customer["id"],
            issue_date="2026-01-01",
            due_date=due,
            tax_amount="0",
            line_items=[line(unit_price=amount)],
        )

    await invoice(globex, "100.00", "2026-11-23")  # due today: current
    await invoice(globex, "200.00", "2026-11-22")  # 1 day
    await invoice(globex, "300.00", "2026-10-24")  # 30 days
    await invoice(initech, "400.00", "2026-10-23")  # 31 days
    await invoice(initech, "500.00", "2026-09-24")  # 60 days
    await invoice(initech, "600.00", "2026-09-23")  # 61 days
    await invoice(initech, "700.00", "2026-08-25")  # 90 days
    await invoice(initech, "800.00", "2026-08-24")  # 91 days
    paid = await invoice(globex, "50.00", "2026-01-31")
    await api.post(
        "/v1/payments",
        json={"amount": "50.00", "payment_date": "2026-02-01", "invoice_id": paid["id"]},
    )
    draft = await create_document(api, customer_id=globex["id"], status="draft")
    assert draft["status"] == "draft"

    report = exact(await api.get(f"/v1/reports/aging?as_of={AS_OF}"))

    assert report["as_of"] == AS_OF
    [ils] = report["data"]
    assert {
        k: ils[k] for k in ("currency", "total", "current", "1_30", "31_60", "61_90", "90_plus")
    } == {
        "currency": "ILS",
        "total": D("3600.00"),
        "current": D("100.00"),
        "1_30": D("500.00"),
        "31_60": D("900.00"),
        "61_90": D("1300.00"),
        "90_plus": D("800.00"),
    }
    by_name = {c["customer_name"]: c for c in ils["customers"]}
    assert (by_name["Globex Ltd"]["total"], by_name["Initech Inc"]["90_plus"]) == (
        D("600.00"),
        D("800.00"),
    )

    balance = exact(await api.get(f"/v1/reports/balance?as_of={AS_OF}"))
    assert balance["data"] == [
        {
            "currency": "ILS",
            "outstanding": D("3600.00"),
            "overdue": D("3500.00"),
            "unapplied_credit": D("0.00"),
            "open_invoices": 8,
        }
    ]
    only_globex = exact(
        await api.get(f"/v1/reports/balance?as_of={AS_OF}&customer_id={globex['id']}")
    )
    assert only_globex["data"][0]["outstanding"] == D("600.00")


async def test_balance_reports_unapplied_credit_per_currency(api: ApiClient) -> None:
    customer = await create_customer(api)
    await api.post(
        "/v1/payments",
        json={"amount": "75.25", "payment_date": "2026-11-01", "customer_id": customer["id"]},
    )
    await api.post(
        "/v1/payments", json={"amount": "10", "currency": "EUR", "payment_date": "2026-11-01"}
    )
    report = exact(await api.get(f"/v1/reports/balance?as_of={AS_OF}"))
    assert [(r["currency"], r["outstanding"], r["unapplied_credit"]) for r in report["data"]] == [
        ("EUR", D("0.00"), D("10.00")),
        ("ILS", D("0.00"), D("75.25")),
    ]


async def test_reports_agree_with_thousands_of_invoices(api: ApiClient, db: Database) -> None:
    customers = [await create_customer(api, company_name=f"Customer {i}") for i in range(5)]
    rng = random.Random(20261123)
    as_of = date(2026, 11, 23)
    statuses = ["pending", "overdue", "partial", "paid", "cancelled", "draft", "in_dispute"]
    rows = []
    now = utcnow()
    for index in range(3000):
        total = D(rng.randint(1, 10**7)) / 100
        status = rng.choice(statuses)
        due = (
            total
            if status in ("pending", "overdue", "draft", "cancelled", "in_dispute")
            else (D(0) if status == "paid" else (total / 2).quantize(D("0.01")))
        )
        currency = rng.choice(["ILS", "EUR"])
        rows.append(
            {
                "id": uuid7(),
                "account_id": api.account_id,
                "livemode": False,
                "type": "invoice",
                "number": None if status == "draft" else f"GEN-{index:05d}",
                "status": status,
                "customer_id": uuid_of(rng.choice(customers)),
                "customer_name": "Generated",
                "currency": currency,
                "issue_date": date(2026, 1, 1),
                "due_date": as_of - timedelta(days=rng.randint(-30, 200)),
                "vat_type": "excluded",
                "source_type": "import",
                "subtotal": total,
                "discount_amount": D(0),
                "tax_amount": D(0),
                "tax_amount_given": True,
                "tax_breakdown": [],
                "total": total,
                "amount_paid": total - due,
                "amount_credited": D(0),
                "external_payment_amount": D(0),
                "amount_due": due,
                "created_at": now,
                "updated_at": now,
                "search_text": "",
            }
        )
    async with db.transaction() as session:
        await session.execute(insert(Document), rows)
    open_rows = [r for r in rows if r["status"] in ("pending", "overdue", "partial", "in_dispute")]

    balance = exact(await api.get(f"/v1/reports/balance?as_of={as_of}"))
    aging = exact(await api.get(f"/v1/reports/aging?as_of={as_of}"))

    for currency in ("EUR", "ILS"):
        mine = [r for r in open_rows if r["currency"] == currency]
        expected = sum((r["amount_due"] for r in mine), D(0))
        expected_overdue = sum((r["amount_due"] for r in mine if r["due_date"] < as_of), D(0))
        row = next(b for b in balance["data"] if b["currency"] == currency)
        assert (row["outstanding"], row["overdue"], row["open_invoices"]) == (
            expected,
            expected_overdue,
            len(mine),
        )
        entry = next(a for a in aging["data"] if a["currency"] == currency)
        assert entry["total"] == expected
        assert (
            sum((entry[b] for b in ("current", "1_30", "31_60", "61_90", "90_plus")), D(0))
            == expected
        )
        assert sum((c["total"] for c in entry["customers"]), D(0)) == expected
        over_90 = sum(
            (r["amount_due"] for r in mine if r["due_date"] < as_of - timedelta(days=90)), D(0)
        )
        assert entry["90_plus"] == over_90


def uuid_of(customer: dict) -> object:
    import uuid

    return uuid.UUID(customer["id"])


async def test_reports_need_their_scope(api: ApiClient) -> None:
    from tests.accounts.factories import add_key

    db = api.http._transport.app.state.runtime.db  # type: ignore[attr-defined]
    weak = api.with_key(await add_key(db, api.account_id, scopes=["documents:read"]))
    assert_error(await weak.get("/v1/reports/balance"), 403, "insufficient_scope")
    assert_error(await api.get("/v1/reports/aging?as_of=yesterday"), 422, "validation_error")
