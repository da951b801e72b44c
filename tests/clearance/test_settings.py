"""The account's clearance settings: write-only credentials, the sandbox in test mode, and
every refusal leaving what was stored."""

import uuid
from typing import Any

import httpx

from faktura.config import Settings
from faktura.db.session import Database
from tests.accounts.factories import ApiClient, add_key
from tests.assertions import assert_error

CREDENTIALS = {"user_id": "ακμη-user", "subscription_key": "k" * 32}
SETTINGS = {
    "provider": "mydata",
    "environment": "sandbox",
    "credentials": CREDENTIALS,
    "mydata": {"supply": "goods", "vat_exemption_category": 1},
}


async def test_set_shown_without_credentials_then_removed(api: ApiClient) -> None:
    before = await api.get("/v1/account/clearance")
    put = await api.put("/v1/account/clearance", json=SETTINGS)
    shown = await api.get("/v1/account/clearance")
    kept = await api.put(
        "/v1/account/clearance", json={"provider": "mydata", "require_before_send": True}
    )
    removed = await api.delete("/v1/account/clearance")
    after = await api.get("/v1/account/clearance")

    assert_error(before, 404, "not_found")
    assert put.status_code == 200, put.text
    body = shown.json()
    assert {k: v for k, v in body.items() if k not in ("created_at", "updated_at")} == {
        "object": "clearance_settings",
        "provider": "mydata",
        "environment": "sandbox",
        "livemode": False,
        "require_before_send": False,
        "base_url": None,
        "credentials_set": True,
        "authorized": None,
        "mydata": {"supply": "goods", "vat_exemption_category": 1, "payment_method": 5},
        "il_ita": None,
    }
    assert CREDENTIALS["subscription_key"] not in shown.text
    assert kept.status_code == 200, kept.text  # the stored credentials stay
    assert kept.json()["require_before_send"] is True
    assert kept.json()["mydata"] == {"supply": "services", "payment_method": 5}
    assert removed.json() == {"object": "clearance_settings", "deleted": True}
    assert_error(after, 404, "not_found")


async def _refused(api: ApiClient, body: Any, field: str) -> dict:
    response = await api.put("/v1/account/clearance", json=body)
    error = assert_error(response, 422, "validation_error")
    assert field in [d["field"] for d in error["details"]], error  # type: ignore[index]
    return error


async def test_bad_settings_are_refused_and_change_nothing(api: ApiClient) -> None:
    assert (await api.put("/v1/account/clearance", json=SETTINGS)).status_code == 200

    await _refused(api, {**SETTINGS, "environment": "production"}, "environment")
    await _refused(api, {**SETTINGS, "provider": "sdi"}, "provider")
    await _refused(api, {**SETTINGS, "credentials": {"user_id": "x"}}, "body")
    await _refused(
        api, {**SETTINGS, "mydata": {"vat_exemption_category": 32}}, "mydata.vat_exemption_category"
    )
    await _refused(
        api,
        {**SETTINGS, "mydata": {"vat_exemption_category": "1"}},
        "mydata.vat_exemption_category",
    )
    await _refused(
        api,
        {**SETTINGS, "mydata": {"income_classification": {"category": "x", "type": "E3_561_001"}}},
        "mydata.income_classification.category",
    )
    await _refused(api, {**SETTINGS, "base_url": "ftp://aade"}, "base_url")
    await _refused(api, {**SETTINGS, "colour": "blue"}, "colour")
    malformed = await api.http.put(
        "/v1/account/clearance",
        content=b'{"provider": ',
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
    )

    assert_error(malformed, 400, "bad_request")
    assert (await api.get("/v1/account/clearance")).json()["mydata"] == SETTINGS["mydata"] | {
        "payment_method": 5
    }


async def test_the_first_settings_need_credentials(api: ApiClient) -> None:
    body = {k: v for k, v in SETTINGS.items() if k != "credentials"}

    await _refused(api, body, "credentials")

    assert_error(await api.get("/v1/account/clearance"), 404, "not_found")


async def test_each_mode_has_its_own_and_live_mode_may_use_production(
    api: ApiClient, db: Database, http: httpx.AsyncClient
) -> None:
    live_key = await add_key(db, api.account_id, livemode=True)
    live = {"Authorization": f"Bearer {live_key}"}
    await api.put("/v1/account/clearance", json=SETTINGS)

    live_before = await http.get("/v1/account/clearance", headers=live)
    production = await http.put(
        "/v1/account/clearance", json={**SETTINGS, "environment": "production"}, headers=live
    )

    assert_error(live_before, 404, "not_found")
    assert production.status_code == 200, production.text
    assert (production.json()["environment"], production.json()["livemode"]) == (
        "production",
        True,
    )
    test_mode = (await api.get("/v1/account/clearance")).json()
    assert (test_mode["environment"], test_mode["livemode"]) == ("sandbox", False)


async def test_a_key_without_account_scopes_cannot_read_or_write_them(
    api: ApiClient, db: Database, http: httpx.AsyncClient
) -> None:
    key = await add_key(db, api.account_id, scopes=["documents:read"])
    headers = {"Authorization": f"Bearer {key}"}

    read = await http.get("/v1/account/clearance", headers=headers)
    written = await http.put("/v1/account/clearance", json=SETTINGS, headers=headers)

    assert_error(read, 403, "insufficient_scope")
    assert_error(written, 403, "insufficient_scope")
    assert_error(await api.get("/v1/account/clearance"), 404, "not_found")


async def test_each_provider_takes_its_own_credentials(api: ApiClient) -> None:
    ita = {"provider": "il_ita", "credentials": CREDENTIALS}

    error = await _refused(api, ita, "body")
    number = await _refused(
        api,
        {
            "provider": "il_ita",
            "credentials": {"client_id": "app", "client_secret": "secret"},
            "il_ita": {"software_registration_number": "12-34"},
        },
        "il_ita.software_registration_number",
    )

    assert "il_ita credentials need client_id, client_secret" in str(error["message"])
    assert number["code"] == "validation_error"
    assert_error(await api.get("/v1/account/clearance"), 404, "not_found")


async def test_another_address_is_refused_unless_the_server_allows_it(
    db: Database, settings: Settings
) -> None:
    from faktura.clearance import service
    from faktura.clearance.schemas import ClearanceSettingsIn
    from faktura.core.errors import ValidationFailed
    from faktura.core.tenant import Tenant

    strict = settings.model_copy(update={"clearance_allow_base_url": False})
    body = ClearanceSettingsIn.model_validate({**SETTINGS, "base_url": "http://10.0.0.7:8080"})

    async with db.transaction() as session:
        tenant = Tenant(uuid.uuid4(), False)
        try:
            await service.set_settings(session, tenant, strict, body)
        except ValidationFailed as exc:
            refused = exc
        else:
            raise AssertionError("another address was accepted")

    assert [(d.field, d.message) for d in refused.details] == [
        (
            "base_url",
            "this server does not let accounts choose the authority's address "
            "(FAKTURA_CLEARANCE_ALLOW_BASE_URL)",
        )
    ]
