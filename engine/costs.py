"""What learning costs the organisation: item fees and the hourly cost of learning time.

Money is whole minor units (pence, cents) of the organisation's one currency, so
that sums over a programme or a plan are exact. Every currency offered has two
decimal places (ISO 4217 minor unit 2), so a minor unit is a hundredth in each;
a currency with none (JPY) or three (KWD) would need a scale of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.errors import N_, InvalidInput
from engine.errors import problem as problem_entry

# ISO 4217 codes an organisation can choose, each with two decimal places.
CURRENCIES = ("GBP", "EUR", "USD", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN",
              "RON")
DEFAULT_CURRENCY = "GBP"

# More than this is a mistyped amount, not a price, in any currency offered (a krona is
# about a tenth of a pound); both fit a 32-bit column.
MAX_FEE_CENTS = 100_000_000  # 1,000,000.00
MAX_HOURLY_COST_CENTS = 1_000_000  # 10,000.00 an hour


@dataclass(frozen=True)
class Costs:
    """The organisation's hourly cost of a learner's time (None: not set yet) and currency."""

    hourly_cost_cents: int | None
    currency: str = DEFAULT_CURRENCY


def minor_units(amount: Decimal) -> int | None:
    """``amount`` in whole minor units; None when it is not finite or has finer decimals.

    ``12.5`` and ``12.50`` are 1250; ``12.505`` is None rather than rounded, so
    that what is stored is what the person typed.
    """
    if not amount.is_finite():
        return None
    scaled = amount.scaleb(2)
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def amount(cents: int) -> Decimal:
    """Minor units as an amount with two decimal places (1250 is ``12.50``)."""
    return Decimal(cents).scaleb(-2).quantize(Decimal("0.01"))


def fee_problems(fee_cents: object) -> list[str]:
    """What is wrong with an item's fee, as templates (none when it is right)."""
    return _money_problems(fee_cents, MAX_FEE_CENTS, (
        N_("A fee is an amount with at most two decimal places."),
        N_("A fee cannot be less than zero."),
        N_("That fee is too large: check the amount."),
    ))


def check(hourly_cost_cents: object, currency: object) -> Costs:
    """The organisation's costs as they will be stored, or :class:`InvalidInput` per field.

    The hourly cost may stay unset (None); zero is a cost, if an unusual one.
    """
    problems: list[dict[str, Any]] = []
    if hourly_cost_cents is not None:
        problems += [problem_entry("hourly_cost_cents", t) for t in _money_problems(
            hourly_cost_cents, MAX_HOURLY_COST_CENTS, (
                N_("The hourly cost is an amount with at most two decimal places."),
                N_("The hourly cost cannot be less than zero."),
                N_("That hourly cost is too large: check the amount."),
            ))]
    if currency not in CURRENCIES:
        problems.append(problem_entry(
            "currency", N_("'%(currency)s' is not a currency you can choose. Use one of: "
                           "%(currencies)s."),
            currency=str(currency)[:10], currencies=", ".join(CURRENCIES)))
    if problems:
        raise InvalidInput(N_("These costs have problems to fix before they can be saved."),
                           {"problems": problems})
    hourly = hourly_cost_cents if isinstance(hourly_cost_cents, int) else None
    return Costs(hourly, str(currency))


def _money_problems(cents: object, limit: int, templates: tuple[str, str, str]) -> list[str]:
    not_whole, negative, too_large = templates
    if not isinstance(cents, int) or isinstance(cents, bool):
        return [not_whole]
    if cents < 0:
        return [negative]
    if cents > limit:
        return [too_large]
    return []
