from decimal import Decimal

from tests.accounts.factories import ApiClient


async def test_retrieve_account_shows_defaults_for_an_israeli_account(api: ApiClient) -> None:
    response = await api.get("/v1/account")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(api.account_id)
    assert body["name"] == "Acme Ltd"
    assert body["default_currency"] == "ILS"
    assert body["timezone"] == "Asia/Jerusalem"
    assert body["locale"] == "he-IL"
    assert body["numbering"]["invoice"] == {"prefix": "INV", "padding": 4, "yearly_reset": True}
    assert body["numbering"]["receipt"]["prefix"] == "RCT"
    rates = [(r["name"], r["rate"], r["category"]) for r in body["vat_rates"]]
    assert rates == [("Standard", 18, "S"), ("Zero rated", 0, "Z"), ("Exempt", 0, "E")]


async def test_patch_account_updates_given_fields_and_keeps_the_rest(api: ApiClient) -> None:
    response = await api.patch(
        "/v1/account",
        json={
            "legal_name": "Acme Trading Ltd",
            "tax_id": "516179157",
            "address": {
                "street": "1 Herzl St",
                "city": "Tel Aviv",
                "zip": "6100000",
                "country": "IL",
            },
            "numbering": {"invoice": {"prefix": "AC", "padding": 6}},
            "branding": {"color": "#112233", "footer": "Thank you"},
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["legal_name"] == "Acme Trading Ltd"
    assert body["name"] == "Acme Ltd"
    assert body["address"]["city"] == "Tel Aviv"
    assert body["numbering"]["invoice"] == {"prefix": "AC", "padding": 6, "yearly_reset": True}
    assert body["numbering"]["quote"]["prefix"] == "QUO"
    assert body["branding"] == {
        "logo_url": None,
        "color": "#112233",
        "footer": "Thank you",
        "layout": "classic",
        "logo": None,
    }
    again = (await api.get("/v1/account")).json()
    assert again["numbering"]["invoice"]["prefix"] == "AC"


async def test_vat_rates_are_replaced_keeping_ids_and_exact_percentages(api: ApiClient) -> None:
    current = (await api.get("/v1/account")).json()["vat_rates"]
    standard_id = current[0]["id"]

    response = await api.patch(
        "/v1/account",
        json={
            "vat_rates": [
                {"id": standard_id, "name": "Standard", "rate": "17.5", "category": "S"},
                {"name": "Reduced", "rate": 8.25, "category": "S"},
            ]
        },
    )

    assert response.status_code == 200
    rates = response.json()["vat_rates"]
    assert rates[0]["id"] == standard_id
    assert rates[0]["rate"] == 17.5
    assert Decimal(str(rates[1]["rate"])) == Decimal("8.25")
    assert rates[1]["id"].startswith("vat_")
    assert rates[1]["id"] != standard_id
    assert '"rate":8.25' in response.text


async def test_payment_methods_and_billers_get_ids(api: ApiClient) -> None:
    response = await api.patch(
        "/v1/account",
        json={
            "payment_methods": [
                {"name": "Bank transfer", "details": "IBAN IL62 0108 0000 0009 9999"}
            ],
            "billers": [{"name": "Dana Levi", "email": "dana@acme.example"}],
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["payment_methods"][0]["id"].startswith("pm_")
    assert body["payment_methods"][0]["name"] == "Bank transfer"
    assert body["billers"][0]["id"].startswith("biller_")
    assert body["billers"][0]["email"] == "dana@acme.example"


async def test_patch_account_refuses_bad_values_and_changes_nothing(api: ApiClient) -> None:
    before = (await api.get("/v1/account")).json()
    cases = [
        ({"default_currency": "XXQ"}, "default_currency"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"name": None}, "name"),
        ({"vat_rates": [{"name": "Bad", "rate": 101}]}, "vat_rates[0].rate"),
        ({"vat_rates": [{"name": "Bad", "rate": "1.00001"}]}, "vat_rates[0].rate"),
        ({"vat_rates": [{"id": "vat_nope", "name": "X", "rate": 1}]}, "vat_rates[0].id"),
        ({"branding": {"color": "red"}}, "branding.color"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"address": {"country": "Israel"}}, "address.country"),
    ]
    for payload, field in cases:
        response = await api.patch("/v1/account", json=payload)
        assert response.status_code == 422, payload
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert [d["field"] for d in error["details"]] == [field], payload

    assert (await api.get("/v1/account")).json() == before


async def test_rates_are_written_in_plain_notation(api: ApiClient) -> None:
    """A JSON number may use an exponent (a string may not: it follows the schema's pattern)."""
    response = await api.patch(
        "/v1/account",
        content=b'{"vat_rates": [{"name": "Hundred", "rate": 1E+2}, '
        b'{"name": "Nil", "rate": -0.0}]}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert '"rate":100,' in response.text
    assert '"rate":0.0,' in response.text
