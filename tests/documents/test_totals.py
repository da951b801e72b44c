"""The totals engine: worked examples with exact amounts, and properties that must always hold."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.core.money import currency_exponent, decimal_places, quantize_money
from faktura.documents.totals import (
    LineInput,
    TaxRow,
    TotalsError,
    check_declared_amount,
    compute_totals,
)

D = Decimal


def line(quantity: str, price: str, rate: str | None = None, **kwargs: object) -> LineInput:
    return LineInput(D(quantity), D(price), vat_rate=None if rate is None else D(rate), **kwargs)  # type: ignore[arg-type]


def test_ils_invoice_three_lines_at_17_percent_one_exempt() -> None:
    totals = compute_totals(
        [
            line("2", "100.00", "17"),
            line("1", "55.55", "17"),
            line("1", "300", vat_type="exempt", vat_exemption_reason="Export of services"),
        ],
        "ILS",
    )

    assert [r.amount for r in totals.lines] == [D("200.00"), D("55.55"), D("300.00")]
    assert totals.tax_breakdown == (
        TaxRow(D("17"), "S", D("255.55"), D("43.44")),  # 255.55 × 17 % = 43.4435
        TaxRow(None, "E", D("300.00"), D("0")),
    )
    assert totals.subtotal == D("555.55")
    assert totals.tax_amount == D("43.44")
    assert totals.total == D("598.99")


def test_eur_invoice_with_two_rates_and_vat_included_prices() -> None:
    totals = compute_totals(
        [
            line("1", "119.00", "19", vat_type="included"),
            line("3", "10.70", "7", vat_type="included"),
        ],
        "EUR",
    )

    assert totals.tax_breakdown == (
        TaxRow(D("19"), "S", D("100.00"), D("19.00")),
        TaxRow(D("7"), "S", D("30.00"), D("2.10")),
    )
    assert totals.subtotal == D("130.00")
    assert totals.tax_amount == D("21.10")
    assert totals.total == D("151.10")  # exactly the gross prices the customer saw


def test_jpy_rounds_to_whole_yen() -> None:
    totals = compute_totals([line("3", "1234.5", "10")], "JPY")
    assert totals.lines[0].amount == D("3704")  # 3703.5 half-up
    assert totals.tax_amount == D("370")  # 370.4
    assert totals.total == D("4074")


def test_bhd_rounds_to_three_decimals() -> None:
    totals = compute_totals([line("2", "1.2345", "10")], "BHD")
    assert totals.lines[0].amount == D("2.469")
    assert totals.tax_amount == D("0.247")  # 0.2469
    assert totals.total == D("2.716")


def test_document_discount_lowers_the_vat_base() -> None:
    totals = compute_totals([line("1", "100.00", "17")], "ILS", discount_amount=D("10.00"))
    assert totals.tax_breakdown == (TaxRow(D("17"), "S", D("90.00"), D("15.30")),)
    assert (totals.subtotal, totals.discount_amount, totals.tax_amount, totals.total) == (
        D("100.00"),
        D("10.00"),
        D("15.30"),
        D("105.30"),
    )


def test_document_discount_is_spread_pro_rata_over_rates_to_the_cent() -> None:
    totals = compute_totals(
        [line("1", "200.00", "19"), line("1", "100.00", "7")], "EUR", discount_amount=D("10.00")
    )
    assert totals.tax_breakdown == (
        TaxRow(D("19"), "S", D("193.33"), D("36.73")),  # 200 − 6.67 (largest remainder)
        TaxRow(D("7"), "S", D("96.67"), D("6.77")),  # 100 − 3.33
    )
    assert totals.total == D("333.50")


def test_vat_is_rounded_once_per_rate_not_per_line() -> None:
    totals = compute_totals([line("1", "0.10", "17")] * 3, "ILS")
    assert totals.tax_amount == D("0.05")  # per line it would be 3 × 0.02 = 0.06


def test_line_discounts_amount_and_percent() -> None:
    totals = compute_totals(
        [
            line("4", "25.00", "17", discount_amount=D("5.00")),
            line("3", "33.33", "17", discount_percent=D("10")),
        ],
        "ILS",
    )
    assert [r.amount for r in totals.lines] == [D("95.00"), D("89.99")]  # 99.99 − 9.999
    assert totals.tax_amount == D("31.45")  # 184.99 × 17 % = 31.4483
    assert totals.total == D("216.44")


def test_us_style_single_tax_amount() -> None:
    totals = compute_totals(
        [line("2", "50.00"), line("1", "20.00")],
        "USD",
        tax_amount=D("8.25"),
        discount_amount=D("5.00"),
    )
    assert totals.tax_breakdown == (TaxRow(None, None, D("115.00"), D("8.25")),)
    assert (totals.subtotal, totals.total) == (D("120.00"), D("123.25"))


def test_declared_amount_must_match_within_one_minor_unit() -> None:
    totals = compute_totals([line("1", "100.00", "17")], "ILS", discount_amount=D("10.00"))
    check_declared_amount(totals, D("105.31"), "ILS")
    check_declared_amount(totals, D("105.29"), "ILS")
    with pytest.raises(TotalsError) as error:
        check_declared_amount(totals, D("105.32"), "ILS")
    assert [path for path, _ in error.value.problems] == ["amount", "line_items"]


@pytest.mark.parametrize(
    ("lines", "options", "field"),
    [
        ([], {}, "line_items"),
        ([line("0", "1", "17")], {}, "line_items[0].quantity"),
        ([line("1", "-1", "17")], {}, "line_items[0].unit_price"),
        ([line("1", "1", vat_type="exempt")], {}, "line_items[0].vat_exemption_reason"),
        ([line("1", "1", "101")], {}, "line_items[0].vat_rate"),
        ([line("1", "10", "17", discount_amount=D("11"))], {}, "line_items[0].discount.amount"),
        ([line("1", "10", "17", discount_percent=D("120"))], {}, "line_items[0].discount.percent"),
        ([line("1", "10", "17")], {"discount_amount": D("20")}, "discount_amount"),
        ([line("1", "10", "17")], {"discount_amount": D("0.001")}, "discount_amount"),
        ([line("1", "10", "17")], {"tax_amount": D("1")}, "line_items[0].vat_rate"),
        ([line("1", "0", "17")], {}, "total"),
        ([line("1", "10", "17")], {"discount_amount": D("10")}, "total"),
    ],
)
def test_invalid_inputs_name_their_field(
    lines: list[LineInput],
    options: dict[str, Decimal],
    field: str,
) -> None:
    with pytest.raises(TotalsError) as error:
        compute_totals(lines, "ILS", **options)
    assert error.value.problems[0][0] == field


money = st.decimals(min_value=D("2"), max_value=D("99999.9999"), places=4)
quantities = st.decimals(min_value=D("0.5"), max_value=D("1000"), places=4)  # ≥ 1 JPY a line
rates = st.sampled_from([D("0"), D("5.5"), D("7"), D("17"), D("18"), D("19"), D("24")])
currencies = st.sampled_from(["ILS", "EUR", "JPY", "BHD"])
lines_strategy = st.sampled_from(["included", "excluded"]).flatmap(
    lambda vat_type: st.lists(
        st.builds(
            LineInput,
            quantity=quantities,
            unit_price=money,
            vat_rate=rates,
            vat_type=st.just(vat_type),
        ),
        min_size=1,
        max_size=8,
    )
)


def _is_minor_units(value: Decimal, currency: str) -> bool:
    return quantize_money(value, currency) == value


@settings(max_examples=300, deadline=None)
@given(lines=lines_strategy, currency=currencies, discount_share=st.integers(0, 50))
def test_breakdown_adds_up_and_total_identity_holds(
    lines: list[LineInput],
    currency: str,
    discount_share: int,
) -> None:
    plain = compute_totals(lines, currency)
    discount = quantize_money(plain.total * discount_share / 100 / 2, currency)
    totals = compute_totals(lines, currency, discount_amount=discount)

    assert sum((r.tax for r in totals.tax_breakdown), D(0)) == totals.tax_amount
    if lines[0].vat_type == "excluded":  # EN 16931 BR-S-08: tax = taxable × rate, rounded once
        for row in totals.tax_breakdown:
            assert row.rate is not None
            assert row.tax == quantize_money(row.taxable * row.rate / 100, currency)
    assert totals.total == totals.subtotal - totals.discount_amount + totals.tax_amount
    for value in (
        totals.total,
        totals.subtotal,
        totals.tax_amount,
        *(r.taxable for r in totals.tax_breakdown),
        *(r.tax for r in totals.tax_breakdown),
    ):
        assert _is_minor_units(value, currency)
        assert value >= 0


@settings(max_examples=200, deadline=None)
@given(lines=lines_strategy, currency=currencies, factor=st.integers(1, 1000))
def test_scaling_quantities_never_gives_negative_or_fractional_amounts(
    lines: list[LineInput],
    currency: str,
    factor: int,
) -> None:
    scaled = [
        LineInput(ln.quantity * factor, ln.unit_price, ln.vat_type, ln.vat_rate) for ln in lines
    ]
    totals = compute_totals(scaled, currency)
    for value in (totals.total, totals.tax_amount, *(r.amount for r in totals.lines)):
        assert value >= 0
        assert decimal_places(value) <= currency_exponent(currency)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(st.tuples(st.integers(1, 20), money), min_size=1, max_size=6),
    rate=rates,
    currency=currencies,
)
def test_included_and_excluded_pricing_agree_on_the_gross(
    items: list[tuple[int, Decimal]],
    rate: Decimal,
    currency: str,
) -> None:
    """The same goods priced net, or gross with the VAT inside, cost the same within rounding:
    one minor unit per line (each gross price is rounded) plus one for the VAT."""
    net_lines = [LineInput(D(q), price, "excluded", rate) for q, price in items]
    gross_lines = [
        LineInput(D(q), quantize_money(price * (100 + rate) / 100, currency), "included", rate)
        for q, price in items
    ]
    excluded = compute_totals(net_lines, currency)
    included = compute_totals(gross_lines, currency)

    unit = D(1).scaleb(-currency_exponent(currency))
    tolerance = unit * (sum(q for q, _ in items) + 1)
    assert abs(included.total - excluded.total) <= tolerance


def test_one_rate_cannot_mix_included_and_excluded_prices() -> None:
    with pytest.raises(TotalsError) as error:
        compute_totals(
            [line("1", "1.00", "19", vat_type="included"), line("1", "0.08", "19")], "EUR"
        )
    assert error.value.problems[0][0] == "line_items[1].vat_type"
    mixed_rates = compute_totals(
        [line("1", "1.19", "19", vat_type="included"), line("1", "1.00", "7")], "EUR"
    )
    assert mixed_rates.total == D("2.26")


def test_amounts_beyond_what_is_stored_are_refused() -> None:
    with pytest.raises(TotalsError) as error:
        compute_totals([line("999999999999", "999999999999", "17")], "ILS")
    assert error.value.problems[0][0] == "line_items[0]"
