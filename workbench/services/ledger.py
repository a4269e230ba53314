"""The ledger inside services: accounts by owner and kind, and balanced postings."""

from __future__ import annotations

from sqlalchemy import select

from workbench.domain.ledger import AccountKind, check_balanced, check_covers
from workbench.services.base import Actor
from workbench.store.models import Account, Journal, Posting
from workbench.store.uow import UnitOfWork


def account(uow: UnitOfWork, owner_id: int | None, kind: AccountKind) -> Account:
    """The account of `owner_id` of this kind, opened on first use (system accounts: owner None)."""
    stmt = select(Account).where(Account.kind == kind.value)
    stmt = stmt.where(Account.owner_id.is_(None) if owner_id is None else Account.owner_id == owner_id)
    acc = uow.session.scalar(stmt)
    if acc is None:
        if owner_id is None:
            raise LookupError(f"system account {kind} is missing; the store was not migrated")
        acc = Account(owner_id=owner_id, kind=kind.value, balance_cents=0)
        uow.session.add(acc)
        uow.session.flush()
    return acc


def balance(uow: UnitOfWork, owner_id: int, kind: AccountKind) -> int:
    stmt = select(Account.balance_cents).where(Account.owner_id == owner_id, Account.kind == kind.value)
    return uow.session.scalar(stmt) or 0


def post(uow: UnitOfWork, actor: Actor, kind: str, legs: list[tuple[Account, int]], *,
         memo: str = "", ref: tuple[str, int] | None = None) -> Journal:
    """Write one balanced entry and move the balances; refuses a shortfall before writing."""
    check_balanced(cents for _, cents in legs)
    for acc, cents in legs:
        check_covers(acc.kind, acc.balance_cents, cents)
    journal = Journal(at=uow.now, kind=kind, memo=memo, actor_id=actor.id,
                      ref_type=ref[0] if ref else None, ref_id=ref[1] if ref else None)
    uow.session.add(journal)
    uow.session.flush()
    for acc, cents in legs:
        uow.session.add(Posting(journal_id=journal.id, account_id=acc.id, amount_cents=cents))
        acc.balance_cents += cents
    uow.session.flush()
    return journal


def transfer(uow: UnitOfWork, actor: Actor, kind: str, source: Account, target: Account,
             cents: int, *, memo: str = "", ref: tuple[str, int] | None = None) -> Journal:
    """Move `cents` from one account to another as one balanced entry."""
    return post(uow, actor, kind, [(source, -cents), (target, cents)], memo=memo, ref=ref)
