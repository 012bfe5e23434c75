from __future__ import annotations

from decimal import Decimal

import pytest

from engine import costs
from engine.errors import InvalidInput


@pytest.mark.parametrize(("typed", "cents"), [
    ("0", 0), ("25", 2500), ("25.0", 2500), ("12.5", 1250), ("12.50", 1250), ("0.01", 1),
    ("120.00", 12000), ("-3.20", -320), ("1E+2", 10000),
    ("12.505", None), ("0.001", None), ("NaN", None), ("Infinity", None),
])
def test_minor_units_are_exact_and_never_rounded(typed, cents):
    assert costs.minor_units(Decimal(typed)) == cents


def test_amount_has_two_decimal_places():
    assert [str(costs.amount(c)) for c in (0, 1, 1250, 12000)] == [
        "0.00", "0.01", "12.50", "120.00"]


def test_every_currency_is_an_iso_code():
    assert costs.DEFAULT_CURRENCY in costs.CURRENCIES
    assert all(len(c) == 3 and c.isupper() and c.isalpha() for c in costs.CURRENCIES)
    assert len(set(costs.CURRENCIES)) == len(costs.CURRENCIES)


def test_costs_may_leave_the_hourly_cost_unset():
    assert costs.check(None, "GBP") == costs.Costs(None, "GBP")
    assert costs.check(1250, "EUR") == costs.Costs(1250, "EUR")
    assert costs.check(0, "USD") == costs.Costs(0, "USD")
    assert costs.check(costs.MAX_HOURLY_COST_CENTS, "GBP").hourly_cost_cents == 1_000_000


@pytest.mark.parametrize(("hourly", "currency", "problems"), [
    (-1, "GBP", [("hourly_cost_cents", "The hourly cost cannot be less than zero.")]),
    (12.5, "GBP", [("hourly_cost_cents",
                    "The hourly cost is an amount with at most two decimal places.")]),
    (False, "GBP", [("hourly_cost_cents",
                     "The hourly cost is an amount with at most two decimal places.")]),
    (costs.MAX_HOURLY_COST_CENTS + 1, "GBP",
     [("hourly_cost_cents", "That hourly cost is too large: check the amount.")]),
    (1250, "gbp", [("currency", "'gbp' is not a currency you can choose. Use one of: "
                                "GBP, EUR, USD, CAD, AUD, NZD, CHF, SEK, NOK, DKK, PLN, RON.")]),
    (-5, None, [("hourly_cost_cents", "The hourly cost cannot be less than zero."),
                ("currency", "'None' is not a currency you can choose. Use one of: "
                             "GBP, EUR, USD, CAD, AUD, NZD, CHF, SEK, NOK, DKK, PLN, RON.")]),
])
def test_bad_costs_are_refused_field_by_field(hourly, currency, problems):
    with pytest.raises(InvalidInput) as caught:
        costs.check(hourly, currency)
    assert [(p["field"], p["message"]) for p in caught.value.details["problems"]] == problems
