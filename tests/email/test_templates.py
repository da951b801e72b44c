"""Email templates: the system's in every language, the account's checked when saved, the
preview, and sends rendered from a chosen template."""

import uuid

import httpx

from faktura.config import Settings
from faktura.db.session import Database
from faktura.email.templates import STAGES, system_templates
from tests.accounts.factories import ApiClient, create_account_with_key
from tests.email.conftest import run_mail_jobs
from tests.email.factories import address, invoice_to, message, send
from tests.email.sink import Sink


def _lines(text: str) -> str:
    """Content as sent (SMTP ends lines with CRLF), with plain line ends."""
    return text.replace("\r\n", "\n")


GOOD = {
    "name": "Friendly",
    "stage": "initial_send",
    "locale": "en",
    "subject": "Your invoice {{ document.number }}",
    "html_body": "<p>Hi {{ contact.name }},</p>\n<p>{{ amount_due }} by {{ due_date }}.</p>",
}


async def test_system_templates_cover_every_stage_in_every_language(api: ApiClient) -> None:
    response = await api.get("/v1/email_templates?per_page=100")
    body = response.json()
    pairs = {(t["stage"], t["locale"]) for t in body["data"]}
    assert response.status_code == 200
    assert body["total"] == len(STAGES) * 5 == 35
    assert pairs == {(stage, lang) for stage in STAGES for lang in ("de", "el", "en", "fr", "he")}
    assert all(t["system"] and t["created_at"] is None for t in body["data"])
    assert len(system_templates()) == 35


async def test_the_seed_list_shows_the_templates_an_invoice_is_sent_with(api: ApiClient) -> None:
    created = (await api.post("/v1/email_templates", json=GOOD)).json()
    await api.post("/v1/email_templates", json={**GOOD, "stage": "overdue"})

    listed = (await api.get("/v1/templates")).json()["data"]

    assert {t["template_stage"] for t in listed} == {"initial_send"}
    assert {t["type"] for t in listed} == {"email"}
    assert listed[0]["id"] == created["id"]  # the account's first, then the system's
    assert len(listed) == 6


async def test_a_template_is_created_previewed_changed_and_deleted(api: ApiClient) -> None:
    invoice = await invoice_to(api, address(), locale="en")

    created = await api.post("/v1/email_templates", json=GOOD)
    template = created.json()
    sample = await api.post(f"/v1/email_templates/{template['id']}/preview", json={})
    real = await api.post(
        f"/v1/email_templates/{template['id']}/preview", json={"document_id": invoice["id"]}
    )
    changed = await api.patch(
        f"/v1/email_templates/{template['id']}", json={"subject": "Invoice {{ document.number }}"}
    )
    deleted = await api.delete(f"/v1/email_templates/{template['id']}")
    gone = await api.get(f"/v1/email_templates/{template['id']}")

    assert created.status_code == 201, created.text
    assert template["system"] is False
    assert template["text_body"] is None
    assert sample.json() == {
        "object": "email_preview",
        "subject": "Your invoice SAMPLE-0001",
        "html_body": "<p>Hi Dana Example,</p>\n<p>€1,132.00 by December 31, 2026.</p>",
        "text_body": "Hi Dana Example,\n\n€1,132.00 by December 31, 2026.\n",
    }
    assert real.json()["subject"] == f"Your invoice {invoice['number']}"
    assert real.json()["html_body"] == "<p>Hi Contact 0,</p>\n<p>₪118.00 by December 23, 2026.</p>"
    assert changed.json()["subject"] == "Invoice {{ document.number }}"
    assert deleted.json() == {"id": template["id"], "object": "email_template", "deleted": True}
    assert gone.status_code == 404


async def test_a_template_that_does_not_render_is_refused_when_saved(api: ApiClient) -> None:
    syntax = await api.post(
        "/v1/email_templates", json={**GOOD, "html_body": "<p>a</p>\n<p>b</p>\n{% if %}"}
    )
    unknown = await api.post(
        "/v1/email_templates", json={**GOOD, "subject": "{{ documnet.number }}"}
    )
    unsafe = await api.post(
        "/v1/email_templates",
        json={**GOOD, "text_body": "ok\n{{ account.__class__.__mro__ }}"},
    )
    listed = (await api.get("/v1/email_templates?stage=initial_send&locale=en")).json()["data"]

    assert syntax.status_code == 422
    assert syntax.json()["error"]["details"] == [
        {
            "field": "html_body",
            "message": "line 3: Expected an expression, got 'end of statement block'",
        }
    ]
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"] == [
        {"field": "subject", "message": "line 1: 'documnet' is undefined"}
    ]
    assert unsafe.status_code == 422
    assert unsafe.json()["error"]["details"][0]["field"] == "text_body"
    assert unsafe.json()["error"]["details"][0]["message"].startswith("line 2: access to attribute")
    assert [t["system"] for t in listed] == [True]  # nothing was saved


async def test_a_system_template_cannot_be_changed_and_unknown_ids_are_404(
    api: ApiClient,
) -> None:
    system_id = next(iter(system_templates()))
    changed = await api.patch(f"/v1/email_templates/{system_id}", json={"name": "Mine"})
    deleted = await api.delete(f"/v1/email_templates/{system_id}")
    unknown = await api.get(f"/v1/email_templates/{uuid.uuid4()}")

    assert changed.status_code == 409
    assert deleted.status_code == 409
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"


async def test_another_accounts_template_is_not_found(
    api: ApiClient, db: Database, http: httpx.AsyncClient
) -> None:
    other_api = await create_account_with_key(db, http)
    theirs = (await other_api.post("/v1/email_templates", json=GOOD)).json()
    invoice = await invoice_to(api, address())

    read = await api.get(f"/v1/email_templates/{theirs['id']}")
    used = await api.post(f"/v1/invoices/{invoice['id']}/send", json={"template_id": theirs["id"]})

    assert read.status_code == 404
    assert used.status_code == 404
    assert (await api.get(f"/v1/messages?document_id={invoice['id']}")).json()["data"] == []


async def test_a_send_renders_the_template_it_names(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink
) -> None:
    to = address()
    invoice = await invoice_to(api, to)
    template = (
        await api.post(
            "/v1/email_templates",
            json={**GOOD, "text_body": "Plain {{ document.number }} for {{ customer.name }}"},
        )
    ).json()

    queued = await send(api, invoice, template_id=template["id"])
    await run_mail_jobs(db, mail_settings, api.account_id)

    [received] = sink.to(to)
    sent = await message(api, queued["id"])
    assert sent["template_id"] == template["id"]
    assert received.message["Subject"] == f"Your invoice {invoice['number']}"
    assert _lines(received.message.get_body(("plain",)).get_content()) == (
        f"Plain {invoice['number']} for Globex Ltd\n"
    )
    assert _lines(received.message.get_body(("html",)).get_content()) == (
        "<p>Hi Contact 0,</p>\n<p>₪118.00 by December 23, 2026.</p>\n"
    )


async def test_the_accounts_template_of_a_stage_and_language_is_used_by_default(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink
) -> None:
    to_en, to_fr = address("en"), address("fr")
    await api.post("/v1/email_templates", json=GOOD)
    english = await invoice_to(api, to_en)
    french = await invoice_to(api, to_fr, locale="fr-FR")

    await send(api, english)
    await send(api, french)
    await run_mail_jobs(db, mail_settings, api.account_id)

    assert sink.to(to_en)[0].message["Subject"] == f"Your invoice {english['number']}"
    assert sink.to(to_fr)[0].message["Subject"] == f"Facture {french['number']} de Acme Ltd"


async def test_a_language_babel_does_not_know_is_kept_and_tried_in_english(
    api: ApiClient,
) -> None:
    created = await api.post("/v1/email_templates", json={**GOOD, "locale": "fdc"})
    listed = await api.get("/v1/email_templates?locale=eny")

    assert created.status_code == 201, created.text
    assert created.json()["locale"] == "fdc"
    assert listed.status_code == 200
    assert listed.json()["data"] == []
