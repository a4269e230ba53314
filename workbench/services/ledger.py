"""The ledger inside services: accounts by owner and kind, and balanced postings."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select

from workbench.domain.ledger import AccountKind, check_balanced, check_covers
from workbench.services.base import Actor, execute_many, insert_many
from workbench.store.models import Account, IncomeSlot, Journal, Posting
from workbench.store.uow import UnitOfWork


def income_slot(at: datetime) -> datetime:
    """The UTC quarter-hour `at` falls in (IncomeSlot)."""
    at = at.astimezone(UTC)
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


@cache
def _income_upsert(dialect: str) -> Any:
    """Add one credit to its account's slot: built once per dialect and run with many rows, since a
    statement with a VALUES row per account would be compiled anew for every change."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = IncomeSlot.__table__
    stmt = insert(table)
    return stmt.on_conflict_do_update(index_elements=[table.c.account_id, table.c.slot_at],
                                      set_={"amount_cents": table.c.amount_cents + stmt.excluded.amount_cents})


def _count_income(uow: UnitOfWork, kind: str, credits: dict[int, int]) -> None:
    """Add what this change credited to available accounts (account id -> cents, top-ups excluded) to
    the accounts' income slots, in the same transaction as the postings."""
    credits = {aid: cents for aid, cents in credits.items() if cents > 0}
    if kind == "top_up" or not credits:
        return
    dialect = uow.session.connection().dialect.name
    execute_many(uow, _income_upsert(dialect), ("account_id", "amount_cents"), sorted(credits.items()),
                 fixed={"slot_at": income_slot(uow.now)})


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
    credits: dict[int, int] = {}
    for acc, cents in legs:
        uow.session.add(Posting(journal_id=journal.id, account_id=acc.id, amount_cents=cents))
        acc.balance_cents += cents
        if cents > 0 and acc.kind == AccountKind.AVAILABLE.value:
            credits[acc.id] = credits.get(acc.id, 0) + cents
    uow.session.flush()
    _count_income(uow, kind, credits)
    return journal


def transfer(uow: UnitOfWork, actor: Actor, kind: str, source: Account, target: Account,
             cents: int, *, memo: str = "", ref: tuple[str, int] | None = None) -> Journal:
    """Move `cents` from one account to another as one balanced entry."""
    return post(uow, actor, kind, [(source, -cents), (target, cents)], memo=memo, ref=ref)


Leg = tuple[tuple[int, AccountKind], int]


def post_many(uow: UnitOfWork, actor: Actor, kind: str, entries: list[tuple[tuple[str, int], list[Leg]]]) -> None:
    """One balanced journal per entry, as `post` writes it, with every shortfall refused
    before anything is written; balances move by one UPDATE per account."""
    if not entries:
        return
    owners = {owner for _ref, legs in entries for (owner, _kind), _c in legs}
    accounts = {(a.owner_id, a.kind): a for a in uow.session.execute(
        select(Account.id, Account.owner_id, Account.kind, Account.balance_cents)
        .where(Account.owner_id.in_(owners))).all()}
    ids: dict[tuple[int, AccountKind], int] = {}
    balances: dict[int, int] = {}
    delta: dict[int, int] = {}
    for _ref, legs in entries:
        check_balanced(cents for _key, cents in legs)
        for key, cents in legs:
            if key not in ids:
                found = accounts.get((key[0], key[1].value))
                if found is None:   # opened on first use, as ledger.account does
                    acc = account(uow, key[0], key[1])
                    found = acc
                ids[key] = found.id
                balances.setdefault(found.id, found.balance_cents)
            acc_id = ids[key]
            check_covers(key[1].value, balances[acc_id], cents)
            balances[acc_id] += cents
            delta[acc_id] = delta.get(acc_id, 0) + cents
    # Plain table statements on the session's connection: through the session they would take the
    # ORM's bulk path, which cost more than the writes.
    conn = uow.session.connection()
    journals = Journal.__table__
    # Each record has one journal in a batch, so the ids come back matched by the record they
    # name (asking for them in insertion order would make SQLite insert one row at a time).
    journal_of = {ref_id: jid for jid, ref_id in conn.execute(
        journals.insert().returning(journals.c.id, journals.c.ref_id),
        [{"at": uow.now, "kind": kind, "memo": "", "actor_id": actor.id, "ref_type": ref[0], "ref_id": ref[1]}
         for ref, _legs in entries])}
    if len(journal_of) != len(entries):
        raise ValueError("a batch of journals must name each record once")
    insert_many(uow, Posting.__table__, ("journal_id", "account_id", "amount_cents"),
                [(journal_of[ref[1]], ids[key], cents) for ref, legs in entries for key, cents in legs])
    credits: dict[int, int] = {}
    for _ref, legs in entries:
        for key, cents in legs:
            if cents > 0 and key[1] == AccountKind.AVAILABLE:
                credits[ids[key]] = credits.get(ids[key], 0) + cents
    _count_income(uow, kind, credits)
    execute_many(uow, _BALANCE_UPDATE, ("aid", "change"),
                 [(aid, change) for aid, change in delta.items() if change])
    # Accounts the session already holds must not keep their old balances (one pass over what the
    # session holds, usually nothing, instead of a lookup per account moved).
    held = {key[1][0]: obj for key, obj in uow.session.identity_map.items() if key[0] is Account}
    for aid in held.keys() & delta.keys():
        uow.session.expire(held[aid], ["balance_cents"])


_accounts = Account.__table__
_BALANCE_UPDATE = (_accounts.update().where(_accounts.c.id == bindparam("aid"))
                   .values(balance_cents=_accounts.c.balance_cents + bindparam("change")))
