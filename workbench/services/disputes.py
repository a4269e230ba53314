"""Disputes (争议): support staff set the compensation; the ledger moves it; both parties see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import Field
from sqlalchemy import select

from workbench.domain.errors import Conflict, NotFound
from workbench.domain.money import Money
from workbench.domain.roles import Role
from workbench.domain.tasks import TaskStatus, TaskSub, check_ruling
from workbench.i18n import _
from workbench.services.base import Actor, Command, audit, notify, read_only, require_role
from workbench.services.tasks import _move, release
from workbench.store.models import Creator, Dispute, LiveTask, Merchant, User
from workbench.store.uow import UnitOfWork, expect_version


class RuleDispute(Command):
    dispute_id: int
    compensation: str = Field(description="amount paid to the creator out of the frozen money")
    reason: str = Field(min_length=1, max_length=300)
    version: int | None = None  # the version the person saw; refused if it changed since


@dataclass(frozen=True, slots=True)
class DisputeRow:
    id: int
    task_id: int
    merchant: str
    creator: str
    amount_cents: int
    opened_at: datetime
    opened_by: str
    reason: str
    status: str
    compensation_cents: int | None
    ruling: str
    version: int = 0        # hand it back in RuleDispute


@read_only
def list_disputes(uow: UnitOfWork, actor: Actor, open_only: bool = True, sort: str = "oldest") -> list[DisputeRow]:
    """The dispute queue, oldest first or newest first (support staff: all; merchants and creators:
    their own)."""
    from workbench.services.views import check_sort

    newest = check_sort("disputes", sort) == "newest"
    stmt = (select(Dispute, LiveTask, Merchant.company, Creator.nickname, User.name)
            .join(LiveTask, LiveTask.id == Dispute.task_id)
            .join(Merchant, Merchant.user_id == LiveTask.merchant_id)
            .join(Creator, Creator.user_id == LiveTask.creator_id)
            .join(User, User.id == Dispute.opened_by))
    if actor.role is Role.MERCHANT:
        stmt = stmt.where(LiveTask.merchant_id == actor.id)
    elif actor.role is Role.CREATOR:
        stmt = stmt.where(LiveTask.creator_id == actor.id)
    elif actor.role is not Role.SUPPORT:
        return []
    if open_only:
        stmt = stmt.where(Dispute.status == "open")
    rows = uow.session.execute(stmt.order_by(*((Dispute.opened_at.desc(), Dispute.id.desc()) if newest
                                               else (Dispute.opened_at, Dispute.id))))
    return [DisputeRow(d.id, t.id, m, c, t.amount_cents, d.opened_at, who, d.reason, d.status,
                       d.compensation_cents, d.ruling, d.version) for d, t, m, c, who in rows]


class DisputeQuery(Command):
    state: str = Field(default="open", pattern="^(open|all)$", description="open (the default) or all")
    sort: str = Field(default="oldest", description="oldest or newest")
    view: str | None = Field(default=None, description="a saved view's name: its filter and sort")


@read_only
def dispute_queue(uow: UnitOfWork, actor: Actor, cmd: DisputeQuery | None = None) -> list[DisputeRow]:
    """The dispute queue as a list with a filter, a sort and saved views (`workbench disputes list`)."""
    from workbench.services.views import apply_view

    cmd = apply_view(uow, actor, "disputes", cmd or DisputeQuery())
    return list_disputes(uow, actor, cmd.state == "open", cmd.sort)


def rule_dispute(uow: UnitOfWork, actor: Actor, cmd: RuleDispute) -> DisputeRow:
    """Support staff set the creator's compensation; the rest of the frozen amount goes back."""
    require_role(actor, Role.SUPPORT)
    dispute = uow.session.get(Dispute, cmd.dispute_id)
    if dispute is None:
        raise NotFound(_("没有这个争议: #{id}").format(id=cmd.dispute_id), field="dispute_id")
    expect_version(dispute, cmd.version)
    if dispute.status != "open":
        raise Conflict(_("争议已裁决"), field="dispute_id")
    task = uow.session.get(LiveTask, dispute.task_id)
    compensation = Money.of(cmd.compensation)
    check_ruling(compensation.cents, task.amount_cents)
    _move(uow, task, "rule", TaskStatus.CANCELLED, TaskSub.MERCHANT_CANCELLED, closed_at=uow.now)
    release(uow, actor, task, compensation.cents, "dispute_ruling")
    dispute.status, dispute.ruled_at, dispute.ruled_by = "ruled", uow.now, actor.id
    dispute.compensation_cents, dispute.ruling = compensation.cents, cmd.reason
    audit(uow, actor, "dispute.rule", "task", task.id, dispute=dispute.id, compensation=compensation.cents,
          ruling=cmd.reason)
    for uid in (task.merchant_id, task.creator_id):
        notify(uow, uid, "dispute_ruled", screen="tasks", ref_id=task.id, task=task.id,
               amount=compensation.cents, ruling=cmd.reason)
    uow.commit()
    row = next(r for r in list_disputes(uow, actor, open_only=False) if r.id == dispute.id)
    return row
