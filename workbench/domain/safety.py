"""Safe actions: what a money-moving or destructive action will do, said before it is done, and
how long a reversible one can be undone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from workbench.domain.ledger import AccountKind
from workbench.domain.money import format_money
from workbench.i18n import _

# How long "u 撤销" stays offered after a reversible action (removing from the selection cart,
# revoking an unreviewed stock plan, hiding a notification). One number for the TUI, the CLI and
# the services that check an undo is still in time.
UNDO_SECONDS = 5


def undo_open(done_at: datetime, now: datetime, seconds: int = UNDO_SECONDS) -> bool:
    """Whether an action done at `done_at` can still be undone at `now`."""
    return done_at <= now <= done_at + timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class Move:
    """One change to one account's balance that the action would make (+ in, − out)."""

    owner_id: int
    party: str
    account: AccountKind
    cents: int


@dataclass(frozen=True, slots=True)
class Consequence:
    """What an action would do, computed from the store as it is now: the money it moves, the
    state the record ends in, and the sentence the person confirms."""

    action: str
    state: str
    moves: tuple[Move, ...]
    text: str
    danger: bool = True

    def change(self, owner_id: int, account: AccountKind) -> int:
        """The net change the action makes to one account."""
        return sum(m.cents for m in self.moves if m.owner_id == owner_id and m.account is account)


def release_moves(merchant_id: int, merchant: str, creator_id: int, creator: str, amount_cents: int,
                  to_creator_cents: int) -> tuple[Move, ...]:
    """Releasing a frozen amount: `to_creator` to the creator's available balance, the rest back."""
    moves = [Move(merchant_id, merchant, AccountKind.FROZEN, -amount_cents)]
    if to_creator_cents:
        moves.append(Move(creator_id, creator, AccountKind.AVAILABLE, to_creator_cents))
    if amount_cents - to_creator_cents:
        moves.append(Move(merchant_id, merchant, AccountKind.AVAILABLE, amount_cents - to_creator_cents))
    return tuple(moves)


def freeze_moves(owner_id: int, party: str, amount_cents: int) -> tuple[Move, ...]:
    return (Move(owner_id, party, AccountKind.AVAILABLE, -amount_cents),
            Move(owner_id, party, AccountKind.FROZEN, amount_cents))


def release_text(amount_cents: int, to_creator_cents: int, creator: str, merchant: str) -> str:
    """The money half of a release, in the words people use: "冻结 ¥3,000.00 将退回商家 …"."""
    amount = format_money(amount_cents)
    if to_creator_cents == 0:
        return _("冻结 {amount} 将全额退回商家 {merchant}").format(amount=amount, merchant=merchant)
    if to_creator_cents == amount_cents:
        return _("冻结 {amount} 将全额付给 {creator}").format(amount=amount, creator=creator)
    return _("冻结 {amount}: {paid} 付给 {creator}, {back} 退回商家 {merchant}").format(
        amount=amount, paid=format_money(to_creator_cents), creator=creator,
        back=format_money(amount_cents - to_creator_cents), merchant=merchant)


def freeze_text(amount_cents: int, available_cents: int) -> str:
    """The money half of a freeze, with the balance before and after, or the shortfall."""
    if available_cents < amount_cents:
        return _("将冻结 {amount}, 但可用余额只有 {available}, 还差 {short}: 会被拒绝, 请先充值").format(
            amount=format_money(amount_cents), available=format_money(available_cents),
            short=format_money(amount_cents - available_cents))
    return _("从可用余额冻结 {amount} (可用 {before} → {after})").format(
        amount=format_money(amount_cents), before=format_money(available_cents),
        after=format_money(available_cents - amount_cents))


def sentence(money: str, state: str, *more: str) -> str:
    """"<money>, <record> 变为 <state>[; more]" — the one shape every confirmation takes."""
    text = _("{money}, {state}").format(money=money, state=state)
    rest = [m for m in more if m]
    return text + ("; " + "; ".join(rest) if rest else "")
