"""Money and ledger rules: exact amounts, balanced entries, no owned account below zero."""

from decimal import Decimal

import pytest

from workbench.domain.errors import DomainError
from workbench.domain.ledger import check_balanced, check_covers
from workbench.domain.money import Money, format_money, format_rate, parse_rate
from workbench.i18n import set_language


def test_money_parses_text_exactly():
    assert Money.of("1000.50").cents == 100050
    assert Money.of("¥3,000").cents == 300000
    assert Money.of(12).cents == 1200
    assert Money.of(Decimal("0.10")) + Money.of("0.20") == Money.of("0.30")


def test_money_refuses_float_and_fractions_of_a_fen():
    with pytest.raises(TypeError):
        Money.of(0.1)
    with pytest.raises(DomainError) as err:
        Money.of("12.345")
    assert err.value.field == "amount"
    with pytest.raises(DomainError):
        Money.of("abc")
    with pytest.raises(DomainError):
        Money.of("NaN")


def test_quote_times_hours_is_exact():
    assert Money.of("1000").times(3) == Money.of("3000")
    assert Money.of("0.05").times(Decimal("0.3")).cents == 2  # 1.5 fen rounds half up


def test_one_formatter_for_money():
    assert format_money(Money.of("3000")) == "¥3,000.00"
    assert format_money(-150) == "-¥1.50"
    assert format_money(100, sign=True) == "+¥1.00"


def test_rates():
    assert parse_rate("20%") == Decimal("0.2")
    assert parse_rate("0.35") == Decimal("0.35")
    assert format_rate(Decimal("0.2")) == "20%"
    with pytest.raises(DomainError) as err:
        parse_rate("120%", field="commission_rate")
    assert err.value.field == "commission_rate"


def test_ledger_entries_must_balance():
    check_balanced([-500, 300, 200])
    with pytest.raises(ValueError):
        check_balanced([-500, 400])
    with pytest.raises(ValueError):
        check_balanced([0, 0])


def test_owned_accounts_never_go_negative_and_the_shortfall_is_named():
    check_covers("external", 0, -10_000)
    check_covers("available", 500, -500)
    with pytest.raises(DomainError) as err:
        check_covers("available", 500, -800)
    assert "¥3.00" in err.value.message
    set_language("en")
    with pytest.raises(DomainError) as err:
        check_covers("frozen", 0, -100)
    assert err.value.message == "Not enough Frozen: ¥1.00 short"
