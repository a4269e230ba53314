"""Money (金额): exact amounts in integer fen (分), parsed from text, never from float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from workbench.domain.errors import DomainError
from workbench.i18n import _

CENT = Decimal("0.01")
# Beyond any real amount; keeps every sum of cents inside a 64-bit column and exact in Decimal.
MAX_YUAN = Decimal(10) ** 13


@dataclass(frozen=True, order=True, slots=True)
class Money:
    cents: int

    def __post_init__(self) -> None:
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise TypeError("Money holds integer cents")

    @classmethod
    def zero(cls) -> "Money":
        return cls(0)

    @classmethod
    def of(cls, value: "str | int | Decimal | Money") -> "Money":
        """Yuan from text, int or Decimal: Money.of("1000.50"). Floats are refused."""
        if isinstance(value, Money):
            return value
        if isinstance(value, float):
            raise TypeError("Money never comes from float")
        if isinstance(value, int):
            return cls(value * 100)
        try:
            dec = Decimal(str(value).strip().replace(",", "").lstrip("¥￥"))
        except InvalidOperation:
            raise DomainError(_("金额格式不正确: {value}").format(value=value), field="amount") from None
        if not dec.is_finite():
            raise DomainError(_("金额格式不正确: {value}").format(value=value), field="amount")
        if abs(dec) >= MAX_YUAN:
            raise DomainError(_("金额过大: {value}").format(value=value), field="amount")
        if dec != dec.quantize(CENT):
            raise DomainError(_("金额最多两位小数: {value}").format(value=value), field="amount")
        return cls(int(dec * 100))

    @property
    def yuan(self) -> Decimal:
        return (Decimal(self.cents) / 100).quantize(CENT)

    def __add__(self, other: "Money") -> "Money":
        return Money(self.cents + other.cents)

    def __sub__(self, other: "Money") -> "Money":
        return Money(self.cents - other.cents)

    def __neg__(self) -> "Money":
        return Money(-self.cents)

    def times(self, factor: "int | Decimal") -> "Money":
        """Multiply by a count or a rate, rounding half up to the fen."""
        if isinstance(factor, float):
            raise TypeError("rates are Decimal, never float")
        exact = Decimal(self.cents) * Decimal(factor)
        return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    def is_positive(self) -> bool:
        return self.cents > 0

    def __str__(self) -> str:
        return format_money(self)


def format_money(amount: Money | int, sign: bool = False) -> str:
    """The one money formatter: ¥3,000.00 (cents given as int are accepted)."""
    cents = amount.cents if isinstance(amount, Money) else amount
    neg = cents < 0
    body = f"¥{abs(cents) // 100:,}.{abs(cents) % 100:02d}"
    if neg:
        return "-" + body
    return ("+" + body) if sign and cents > 0 else body


def parse_rate(value: "str | Decimal", field: str = "rate", maximum: Decimal = Decimal(1)) -> Decimal:
    """A rate between 0 and `maximum` from text like "0.2" or "20%"."""
    text = str(value).strip()
    try:
        rate = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        raise DomainError(_("比例格式不正确: {value}").format(value=value), field=field) from None
    if not rate.is_finite() or rate < 0 or rate > maximum:
        raise DomainError(_("比例必须在 0% 到 {max}% 之间").format(max=int(maximum * 100)), field=field)
    return rate


def format_rate(rate: Decimal) -> str:
    pct = (rate * 100).quantize(Decimal("0.1"))
    return f"{pct.normalize():f}%"


def estimate_commission(paid_cents: int, rate: Decimal) -> int:
    """A sale's estimated commission (预估佣金) in cents, rounded half up."""
    return int((Decimal(paid_cents) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
