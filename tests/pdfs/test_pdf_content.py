"""What a PDF prints, read back with pdftotext and pdffonts: the figures and words the API
shows, in the document's language and script."""

from decimal import Decimal

import pytest

from tests.accounts.factories import ApiClient
from tests.customers.factories import create_customer
from tests.documents.factories import create_document, exact, line
from tests.payments.factories import pay
from tests.pdfs.factories import rate_ids
from tests.pdfs.reading import fonts, large_text, pages_text, text_lines, words_by_page


async def _english_invoice(api: ApiClient) -> dict[str, object]:
    rates = await rate_ids(api)
    customer = await create_customer(api, company_name="Globex GmbH", tax_id=None)
    return await create_document(
        api,
        customer_id=customer["id"],
        currency="EUR",
        locale="en-US",
        due_date="2026-12-23",
        line_items=[
            line("Design", "2", "100.00", vat_rate_id=rates["Standard"]),
            line(
                "Hosting",
                "1",
                "50.00",
                vat_rate_id=rates["Zero rated"],
                discount={"percent": "10"},
                unit="month",
            ),
        ],
    )


async def test_an_issued_invoice_prints_the_figures_the_api_shows(api: ApiClient) -> None:
    invoice = await _english_invoice(api)
    assert (invoice["subtotal"], invoice["tax_amount"], invoice["total"]) == (
        Decimal("245.00"),
        Decimal("36.00"),
        Decimal("281.00"),
    )

    lines = text_lines((await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content)

    for expected in (
        "Invoice",
        "Number INV-2026-0001",
        "Issue date November 23, 2026",
        "Due date December 23, 2026",
        "Globex GmbH",
        "Description Quantity Unit price Discount VAT Amount",
        "Design 2 €100.00 18% €200.00",
        "Hosting 1 month €50.00 10% 0% €45.00",
        "18% S €200.00 €36.00",
        "0% Z €45.00 €0.00",
        "Subtotal €245.00",
        "VAT €36.00",
        "Total €281.00",
        "Amount due €281.00",
    ):
        assert expected in lines, (expected, lines)
    assert not any(row.startswith("Amount paid") for row in lines)


async def test_generating_again_prints_the_payments_made_since(api: ApiClient) -> None:
    invoice = await _english_invoice(api)
    first = (await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content
    await pay(api, amount="100.00", currency="EUR", invoice_id=invoice["id"])

    archived = (await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content
    response = await api.post(f"/v1/invoices/{invoice['id']}/pdf", json={"action": "generate_pdf"})
    again = (await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content

    assert archived == first  # the archive is what was issued until generated again
    assert response.status_code == 200, response.text
    lines = text_lines(again)
    assert "Amount paid €100.00" in lines
    assert "Amount due €181.00" in lines
    assert exact(response)["amount_due"] == Decimal("181.00")


async def test_a_hebrew_invoice_reads_right_to_left_in_logical_order(api: ApiClient) -> None:
    customer = await create_customer(api, company_name="חברת אלפא בע״מ", tax_id=None)
    invoice = await create_document(
        api,
        customer_id=customer["id"],
        line_items=[line("ייעוץ משפטי לפרויקט Faktura v2", "3", "120.00")],
        notes="תודה רבה",
    )
    assert (await api.get("/v1/account")).json()["locale"] == "he-IL"

    text = "\n".join(pages_text((await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content))

    for phrase in ("חשבונית", "לכבוד", "חברת אלפא בע״מ", "ייעוץ משפטי לפרויקט", "תודה רבה"):
        assert phrase in text, (phrase, text)
        assert phrase[::-1] not in text  # not reversed, as a renderer without bidi prints it
    assert "Faktura v2" in text  # the Latin run inside stays in its own order
    assert "יתרה לתשלום" in text
    assert "424.80" in text  # 3 × 120.00 + 18 % VAT, as the API says
    assert invoice["total"] == Decimal("424.80")


async def test_a_greek_invoice_speaks_greek_with_greek_numbers(api: ApiClient) -> None:
    customer = await create_customer(api, company_name="Αλφα Α.Ε.", tax_id=None)
    invoice = await create_document(
        api,
        customer_id=customer["id"],
        currency="EUR",
        locale="el-GR",
        line_items=[line("Συμβουλευτικές υπηρεσίες", "1", "1000.00", vat_rate="24")],
    )

    lines = text_lines((await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content)

    assert "Τιμολόγιο" in lines
    assert "Αλφα Α.Ε." in lines
    assert "Συμβουλευτικές υπηρεσίες 1 1.000,00 € 24% 1.000,00 €" in lines
    assert "Πληρωτέο ποσό 1.240,00 €" in lines
    assert invoice["amount_due"] == Decimal("1240.00")


async def test_every_font_is_the_projects_own_embedded_and_subset(api: ApiClient) -> None:
    customer = await create_customer(api, company_name="Ωμέγα — עומגה", tax_id=None)
    invoice = await create_document(api, customer_id=customer["id"])

    used = fonts((await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content)

    assert {font.name.split("+", 1)[1] for font in used} == {
        "Faktura-Sans",
        "Faktura-Sans-Bold",
        "Faktura-Hebrew",
        "Faktura-Hebrew-Bold",
    }
    assert all(font.embedded and font.subset for font in used), used


async def test_a_draft_is_marked_and_has_no_number(api: ApiClient) -> None:
    draft = await create_document(api, status="draft", locale="en-US", currency="EUR")
    assert draft["pdf"] is None

    response = await api.get(f"/v1/invoices/{draft['id']}/pdf")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers
    lines = text_lines(response.content)
    assert "Number Draft" in lines
    assert large_text(response.content) == "DRAFT"  # the watermark
    assert not any("INV-" in row for row in lines)


async def test_a_credit_note_names_the_invoice_it_reduces(api: ApiClient) -> None:
    invoice = await create_document(api, locale="en-US")
    credit = await create_document(
        api,
        "credit_notes",
        customer_id=invoice["customer_id"],
        related_document_id=invoice["id"],
        locale="en-US",
        line_items=[line("Refund", "1", "10.00")],
    )

    lines = text_lines((await api.get(f"/v1/credit_notes/{credit['id']}/pdf")).content)

    assert "Credit note" in lines
    assert f"Credit note for invoice {invoice['number']}" in lines


async def test_user_text_prints_as_text_however_long_or_strange(api: ApiClient) -> None:
    name = "N" * 200
    customer = await create_customer(api, company_name=name, tax_id=None)
    script = '<script>alert("x")</script><img src="http://example.com/x.png">'
    invoice = await create_document(
        api,
        customer_id=customer["id"],
        locale="en-US",
        line_items=[line(script), line("word " * 999 + "end")],
    )

    response = await api.get(f"/v1/invoices/{invoice['id']}/pdf")

    assert response.status_code == 200
    text = "".join("\n".join(pages_text(response.content)).split())
    assert "".join(script.split()) in text
    assert name in text  # wrapped, every character kept
    assert text.count("word") == 999


async def test_a_long_invoice_repeats_its_header_and_never_runs_into_the_footer(
    api: ApiClient,
) -> None:
    await api.patch("/v1/account", json={"branding": {"footer": "FOOTERMARK bank details"}})
    lines = [line(f"Item-{n:02d} service", "1", "10.00") for n in range(1, 61)]
    invoice = await create_document(api, locale="en-US", line_items=lines)

    pdf = (await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content
    pages = pages_text(pdf)

    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "Description" in page  # the table's header, on every page
        assert f"{number}/{len(pages)}" in page.replace(" ", "")  # "2 / 3"
    for words in words_by_page(pdf):
        footer_top = min(w.top for w in words if w.text == "FOOTERMARK")
        printed = [w for w in words if w.text.startswith("Item-") or w.text == "Total"]
        assert printed, "each page prints lines or totals"
        assert max(w.bottom for w in printed) < footer_top
    items = [w.text for words in words_by_page(pdf) for w in words if w.text.startswith("Item-")]
    assert items == [f"Item-{n:02d}" for n in range(1, 61)]


@pytest.mark.parametrize("layout", ["classic", "modern", "compact"])
async def test_each_layout_prints_the_same_figures(api: ApiClient, layout: str) -> None:
    await api.patch("/v1/account", json={"branding": {"layout": layout, "color": "#aa3300"}})
    invoice = await _english_invoice(api)

    lines = text_lines((await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content)

    assert "Total €281.00" in lines
    assert "Design 2 €100.00 18% €200.00" in lines


async def test_a_receipt_names_the_payment_and_the_invoice_it_paid(api: ApiClient) -> None:
    invoice = await create_document(api, locale="en-US", currency="EUR")
    payment = await pay(
        api,
        amount=str(invoice["total"]),
        currency="EUR",
        invoice_id=invoice["id"],
        payment_method="wire",
        external_payment_id="BANK-7781",
    )
    receipt = exact(await api.get(f"/v1/receipts/{payment['receipt_id']}"))
    assert receipt["locale"] is None  # the account's he-IL, the customer's none: Hebrew labels

    text = "\n".join(pages_text((await api.get(f"/v1/receipts/{receipt['id']}/pdf")).content))

    [named] = [row for row in text.splitlines() if "BANK-7781" in row and "by" not in row]
    assert "קבלה על תשלום" in named
    assert "wire" in named
    assert f"Payment of invoice {invoice['number']}" in text
