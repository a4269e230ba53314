"""Fund account (资金账户): balances, top-ups and the movements of one user's money."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import Field, field_validator
from sqlalchemy import func, select

from workbench.domain.errors import Conflict, DomainError, NotFound
from workbench.domain.ledger import AccountKind, journal_label
from workbench.domain.money import Money
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.services import ledger
from workbench.services.base import Actor, Command, audit, notify, read_only, require_role
from workbench.store.models import Account, Journal, Merchant, Posting, TaskAccount, TopUp
from workbench.store.uow import UnitOfWork, expect_version


MAX_TOP_UP_CENTS = 100_000_000_00  # ¥100,000,000 in one top-up: above it is a typo, not a payment


class TopUpCmd(Command):
    """Top up the task account: `online` is simulated inside the product; `bank` waits for support."""

    amount: str
    method: str = Field(default="online", pattern="^(online|bank)$")
    reference: str = Field(default="", max_length=64)

    @field_validator("amount")
    @classmethod
    def _amount(cls, v: str) -> str:
        amount = Money.of(v)
        if not amount.is_positive():
            raise DomainError(_("充值金额必须大于 0"), field="amount")
        if amount.cents > MAX_TOP_UP_CENTS:
            raise DomainError(_("金额过大: {value}").format(value=v), field="amount")
        return v


class DecideTopUp(Command):
    top_up_id: int
    approve: bool
    note: str = Field(default="", max_length=200)
    version: int | None = None  # the version the person saw; refused if it changed since


@dataclass(frozen=True, slots=True)
class TopUpView:
    id: int
    merchant: str
    amount_cents: int
    method: str
    status: str
    reference: str
    created_at: datetime
    version: int = 0        # hand it back in DecideTopUp


@dataclass(frozen=True, slots=True)
class MovementView:
    at: datetime
    title: str
    memo: str
    account: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class FundView:
    available_cents: int
    frozen_cents: int
    top_ups: list[TopUpView]
    movements: list[MovementView]
    pending_reviews: list[TopUpView]
    task_account: str | None = None


def top_up(uow: UnitOfWork, actor: Actor, cmd: TopUpCmd) -> TopUpView:
    """A merchant tops up: online payments land at once, bank transfers wait for support staff."""
    require_role(actor, Role.MERCHANT)
    require_task_account_bound(uow, actor)
    amount = Money.of(cmd.amount)
    row = TopUp(merchant_id=actor.id, amount_cents=amount.cents, method=cmd.method,
                status="pending", reference=cmd.reference, created_at=uow.now)
    uow.session.add(row)
    uow.session.flush()
    if cmd.method == "online":
        _credit(uow, actor, row)
    audit(uow, actor, "funds.top_up", "top_up", row.id, amount=amount.cents, method=cmd.method)
    view = _top_up_view(uow, row)
    uow.commit()
    return view


def decide_top_up(uow: UnitOfWork, actor: Actor, cmd: DecideTopUp) -> TopUpView:
    """Support staff confirm (money lands) or reject a pending bank transfer."""
    require_role(actor, Role.SUPPORT)
    row = uow.session.get(TopUp, cmd.top_up_id)
    if row is None:
        raise NotFound(_("没有这笔充值: #{id}").format(id=cmd.top_up_id), field="top_up_id")
    expect_version(row, cmd.version)
    if row.status != "pending":
        raise Conflict(_("这笔充值已处理"), field="top_up_id")
    if cmd.approve:
        _credit(uow, actor, row)
    else:
        if not cmd.note:
            raise DomainError(_("驳回需要填写原因"), field="note")
        row.status = "rejected"
        row.decided_at, row.decided_by = uow.now, actor.id
    audit(uow, actor, "funds.decide_top_up", "top_up", row.id, approve=cmd.approve, note=cmd.note)
    notify(uow, row.merchant_id, "top_up_confirmed" if cmd.approve else "top_up_rejected",
           screen="funds", ref_id=row.id, amount=row.amount_cents, note=cmd.note)
    view = _top_up_view(uow, row)
    uow.commit()
    return view


def _credit(uow: UnitOfWork, actor: Actor, row: TopUp) -> None:
    external = ledger.account(uow, None, AccountKind.EXTERNAL)
    available = ledger.account(uow, row.merchant_id, AccountKind.AVAILABLE)
    journal = ledger.transfer(uow, actor, "top_up", external, available, row.amount_cents,
                              memo=row.reference, ref=("top_up", row.id))
    row.status = "confirmed"
    row.decided_at, row.decided_by, row.journal_id = uow.now, actor.id, journal.id


def _top_up_view(uow: UnitOfWork, row: TopUp) -> TopUpView:
    name = uow.session.scalar(select(Merchant.company).where(Merchant.user_id == row.merchant_id))
    return TopUpView(row.id, name or "", row.amount_cents, row.method, row.status,
                     row.reference, row.created_at, row.version)


@read_only
def fund_account(uow: UnitOfWork, actor: Actor, limit: int = 50) -> FundView:
    """The actor's balances, top-ups and latest movements; support also sees pending transfers."""
    pending: list[TopUpView] = []
    if actor.role is Role.SUPPORT:
        rows = uow.session.scalars(
            select(TopUp).where(TopUp.status == "pending").order_by(TopUp.created_at))
        pending = [_top_up_view(uow, r) for r in rows]
        return FundView(0, 0, [], [], pending)
    top_ups = [_top_up_view(uow, r) for r in uow.session.scalars(
        select(TopUp).where(TopUp.merchant_id == actor.id)
        .order_by(TopUp.created_at.desc(), TopUp.id.desc()).limit(limit))]
    moves = uow.session.execute(
        select(Journal.at, Journal.kind, Journal.memo, Journal.ref_type, Journal.ref_id, Account.kind,
               Posting.amount_cents)
        .join(Posting, Posting.journal_id == Journal.id)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.owner_id == actor.id)
        .order_by(Journal.at.desc(), Journal.id.desc(), Posting.id).limit(limit))
    movements = [MovementView(at, journal_label(kind),
                              memo or (_("任务 #{id}").format(id=ref_id) if ref_type == "task" else ""),
                              AccountKind(acc).label, cents)
                 for at, kind, memo, ref_type, ref_id, acc, cents in moves]
    bound = uow.session.get(TaskAccount, actor.id)
    return FundView(
        ledger.balance(uow, actor.id, AccountKind.AVAILABLE),
        ledger.balance(uow, actor.id, AccountKind.FROZEN),
        top_ups, movements, pending, bound.account_no if bound else None)


def pending_top_up_count(uow: UnitOfWork) -> int:
    return uow.session.scalar(select(func.count()).select_from(TopUp).where(TopUp.status == "pending")) or 0

# ---- task account (任务账户 / 星图账号) ----------------------------------------------------------

class BindTaskAccount(Command):
    """Bind an existing task account by its number, or create one (`create`)."""

    account_no: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{6,20}$")
    create: bool = False


@dataclass(frozen=True, slots=True)
class TaskAccountView:
    account_no: str
    created: bool
    bound_at: datetime


def bind_task_account(uow: UnitOfWork, actor: Actor, cmd: BindTaskAccount) -> TaskAccountView:
    require_role(actor, Role.MERCHANT)
    if uow.session.get(TaskAccount, actor.id) is not None:
        raise Conflict(_("已绑定任务账户"), field="account_no")
    if cmd.create == bool(cmd.account_no):
        raise DomainError(_("请填写要绑定的任务账户号, 或选择新建账户"), field="account_no")
    number = cmd.account_no or f"XT{actor.id:08d}"
    if uow.session.scalar(select(TaskAccount.merchant_id).where(TaskAccount.account_no == number)) is not None:
        raise DomainError(_("任务账户 {no} 已被其他商家绑定").format(no=number), field="account_no")
    row = TaskAccount(merchant_id=actor.id, account_no=number, created=cmd.create, bound_at=uow.now)
    uow.session.add(row)
    audit(uow, actor, "funds.bind_task_account", "task_account", actor.id, account_no=number, created=cmd.create)
    uow.commit()
    return TaskAccountView(number, cmd.create, row.bound_at)


@read_only
def task_account(uow: UnitOfWork, actor: Actor) -> TaskAccountView | None:
    row = uow.session.get(TaskAccount, actor.id) if actor.id else None
    return TaskAccountView(row.account_no, row.created, row.bound_at) if row else None


# ---- importing top-up history from a CSV file ------------------------------------------------

class ImportTopUps(Command):
    """Columns: date, amount, method (online|bank|在线支付|银行转账), reference."""

    csv_text: str = Field(description="the file's text")
    skip_errors: bool = False


@dataclass(frozen=True, slots=True)
class ImportReport:
    imported: int
    refused: list[tuple[int, str]]


_METHODS = {"online": "online", "bank": "bank", "在线支付": "online", "银行转账": "bank"}


def import_top_ups(uow: UnitOfWork, actor: Actor, cmd: ImportTopUps) -> ImportReport:
    """Import a history of top-ups as records for support staff to confirm against the bank.

    Every row is checked; a file with a refused row imports nothing unless `skip_errors`.
    Imported rows never move money by themselves: they wait, like bank transfers, for support
    staff to confirm them, so a spreadsheet cannot create a balance.
    """
    import csv
    import io

    from workbench.domain.formatting import parse_local_minute

    require_role(actor, Role.MERCHANT)
    require_task_account_bound(uow, actor)
    reader = csv.reader(io.StringIO(cmd.csv_text.lstrip("\ufeff")))
    rows = [r for r in reader if any(cell.strip() for cell in r)]
    if rows and rows[0] and rows[0][0].strip().lower() in ("date", "日期", "time", "时间"):
        rows = rows[1:]
    known = set(uow.session.scalars(select(TopUp.reference).where(TopUp.reference != "")))
    accepted: list[tuple[datetime, int, str, str]] = []
    refused: list[tuple[int, str]] = []
    for number, row in enumerate(rows, start=1):
        try:
            if len(row) != 4:
                raise DomainError(_("应有 4 列 (日期, 金额, 方式, 凭证号), 实有 {n} 列").format(n=len(row)))
            when_text, amount_text, method_text, reference = (c.strip() for c in row)
            when = parse_local_minute(when_text if " " in when_text else when_text + " 00:00", actor.zone,
                                      field="date")
            if when > uow.now:
                raise DomainError(_("日期在将来: {value}").format(value=when_text), field="date")
            amount = Money.of(amount_text)
            if not amount.is_positive():
                raise DomainError(_("充值金额必须大于 0"), field="amount")
            if amount.cents > MAX_TOP_UP_CENTS:
                raise DomainError(_("金额过大: {value}").format(value=amount_text), field="amount")
            if method_text not in _METHODS:
                raise DomainError(_("未知方式: {value}").format(value=method_text), field="method")
            if not reference:
                raise DomainError(_("缺少凭证号"), field="reference")
            if len(reference) > 64:   # the column's width, as in the top-up form
                raise DomainError(_("凭证号最多 {n} 个字符").format(n=64), field="reference")
            if reference in known:
                raise DomainError(_("凭证号重复: {value}").format(value=reference), field="reference")
            known.add(reference)
            accepted.append((when, amount.cents, _METHODS[method_text], reference))
        except DomainError as exc:
            where = f"{exc.field}: " if exc.field else ""
            refused.append((number, where + exc.message))
    if refused and not cmd.skip_errors:
        return ImportReport(0, refused)
    for when, cents, method, reference in accepted:
        uow.session.add(TopUp(merchant_id=actor.id, amount_cents=cents, method=method, status="pending",
                              reference=reference, created_at=when))
    if accepted:   # a file that imported nothing changed nothing: no audit row either
        audit(uow, actor, "funds.import_top_ups", "top_up", None, imported=len(accepted), refused=len(refused))
        uow.commit()
    return ImportReport(len(accepted), refused)


def require_task_account_bound(uow: UnitOfWork, actor: Actor) -> None:
    if uow.session.get(TaskAccount, actor.id) is None:
        raise DomainError(_("请先绑定任务账户"), field="task_account")
