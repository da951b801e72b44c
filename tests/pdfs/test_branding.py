"""The account's logo (PNG or JPEG, checked), its layout and colour, and the preview that
shows them on a PDF before anything is saved."""

import hashlib
import io
import os

from pypdf import PdfReader

from tests.accounts.factories import ApiClient, create_account_with_key
from tests.assertions import assert_error
from tests.customers.factories import events
from tests.documents.factories import create_document, exact, line
from tests.pdfs.factories import b64, image
from tests.pdfs.reading import text_lines


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_a_png_logo_is_kept_and_printed(api: ApiClient) -> None:
    png = image("PNG", 300, 100)

    response = await api.post("/v1/account/logo", json={"logo_base64": b64(png)})

    assert response.status_code == 200, response.text
    logo = response.json()["branding"]["logo"]
    assert logo == {
        "sha256": hashlib.sha256(png).hexdigest(),
        "content_type": "image/png",
        "width": 300,
        "height": 100,
        "size": len(png),
    }
    invoice = await create_document(api)
    assert _images((await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content) == 1
    updated = await events(api, "account.updated")
    assert updated[-1]["data"]["updated_fields"] == ["branding.logo"]
    # Replacing the rest of the branding keeps the logo.
    patched = await api.patch("/v1/account", json={"branding": {"color": "#224466"}})
    assert patched.json()["branding"]["logo"] == logo


async def test_a_jpeg_logo_is_taken_and_removing_it_prints_none(api: ApiClient) -> None:
    jpeg = image("JPEG", 200, 200)
    taken = await api.post("/v1/account/logo", json={"logo_base64": b64(jpeg)})
    assert taken.json()["branding"]["logo"]["content_type"] == "image/jpeg"

    removed = await api.delete("/v1/account/logo")

    assert removed.status_code == 200
    assert removed.json()["branding"]["logo"] is None
    invoice = await create_document(api)
    assert _images((await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content) == 0


async def test_logos_that_are_not_safe_small_pngs_or_jpegs_are_refused(api: ApiClient) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    noisy = os.urandom(1024 * 1024 + 1)
    for data, message in (
        (svg, "not a PNG or JPEG image (SVG and other formats are refused)"),
        (image("GIF"), "a GIF image; only PNG and JPEG are taken"),
        (image("PNG", 8, 8), "the image's width is 8 pixels; 16 to 4000 are taken"),
        (image("PNG", 4001, 20), "the image's width is 4001 pixels; 16 to 4000 are taken"),
        (image("PNG", 100, 12), "the image's height is 12 pixels; 16 to 4000 are taken"),
        (noisy, f"the image is {len(noisy)} bytes; at most 1048576 are taken"),
        (b"\x89PNG\r\n\x1a\nbroken", "not a PNG or JPEG image (SVG and other formats are refused)"),
    ):
        response = await api.post("/v1/account/logo", json={"logo_base64": b64(data)})
        error = assert_error(response, 422, "validation_error")
        assert error["details"] == [{"field": "logo_base64", "message": message}]
    not_base64 = await api.post("/v1/account/logo", json={"logo_base64": "@@@"})
    assert assert_error(not_base64, 422, "validation_error")["details"][0]["message"] == (
        "not valid base64"
    )
    assert (await api.get("/v1/account")).json()["branding"]["logo"] is None


async def test_the_preview_shows_a_sample_with_branding_not_saved(api: ApiClient) -> None:
    before = (await api.get("/v1/account")).json()["branding"]

    response = await api.post(
        "/v1/account/branding/preview",
        json={"branding": {"footer": "PREVIEW FOOTER", "layout": "modern", "color": "#883300"}},
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    lines = text_lines(response.content)
    assert "PREVIEW FOOTER" in lines
    assert any("SAMPLE-0001" in row for row in lines)
    assert (await api.get("/v1/account")).json()["branding"] == before


async def test_a_preview_with_an_idempotency_key_is_made_again_not_replayed(
    api: ApiClient,
) -> None:
    """A binary answer is not kept for the key (the idempotency store holds JSON): each
    request with the key renders the preview anew, and nothing fails."""
    headers = {"Idempotency-Key": "preview-1"}
    body = {"branding": {"footer": "KEYED"}}

    first = await api.post("/v1/account/branding/preview", json=body, headers=headers)
    again = await api.post("/v1/account/branding/preview", json=body, headers=headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert "Idempotent-Replayed" not in again.headers
    assert "KEYED" in text_lines(again.content)


async def test_the_preview_shows_a_given_draft_and_only_the_accounts_own(api: ApiClient) -> None:
    draft = await create_document(
        api, status="draft", locale="en-US", line_items=[line("Preview line", "1", "5.00")]
    )
    transport = api.http._transport  # type: ignore[attr-defined]
    other = await create_account_with_key(transport.app.state.runtime.db, api.http)

    mine = await api.post("/v1/account/branding/preview", json={"document_id": draft["id"]})
    theirs = await other.post("/v1/account/branding/preview", json={"document_id": draft["id"]})
    bad = await api.post("/v1/account/branding/preview", json={"branding": {"layout": "fancy"}})

    assert any(row.startswith("Preview line") for row in text_lines(mine.content))
    assert_error(theirs, 404, "not_found")
    assert assert_error(bad, 422, "validation_error")["details"][0]["field"] == "branding.layout"
    assert exact(await api.get(f"/v1/invoices/{draft['id']}"))["pdf"] is None
