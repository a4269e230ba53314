"""The deadline calendar (截止日历): a user's deadlines of the coming days, by day, with their risk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from workbench.domain.formatting import local_time
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services.base import Actor, read_only
from workbench.services.reminders import KINDS, Kind, deadlines_between
from workbench.store.models import CoopOrder, CreatorBinding, Creator, LiveTask, Merchant, StockPlan
from workbench.store.uow import UnitOfWork

LIMIT = 500          # entries shown at most (support staff see everyone's)
LOOK_BACK = timedelta(days=7)

WHAT = {
    "schedule_window": N_("排期或关闭"),
    "latest_delivery": N_("最晚交付"),
    "acceptance_timeout": N_("接单截止"),
    "air_time": N_("开播"),
    "stock_plan_review": N_("备货单审核"),
    "overdue": N_("已逾期"),
}
RISKS = ("overdue", "soon", "later")


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    at: datetime
    day: str             # YYYY-MM-DD in the user's zone
    kind: str
    what: str            # translated: what is due
    ref_type: str        # order | task | plan
    ref_id: int
    screen: str          # where it is handled
    counterpart: str
    risk: str            # overdue | soon (within 24 h) | later


def _party(actor: Actor, kind: Kind, agency_creators: list[int]) -> list[ColumnElement[bool]] | None:
    """The rows of `kind` this actor may see; None when none at all."""
    model = kind.model
    if actor.is_system or actor.role is Role.SUPPORT:
        return []
    if actor.role is Role.CREATOR:
        return [model.creator_id == actor.id]
    if actor.role is Role.MERCHANT:
        return [model.merchant_id == actor.id] if hasattr(model, "merchant_id") else None
    if actor.role is Role.AGENCY:
        return [model.creator_id.in_(agency_creators)] if agency_creators else None
    return None


def _counterparts(uow: UnitOfWork, actor: Actor, model, ids: set[int]) -> dict[int, str]:
    """The other side of each record, as this actor sees it (a stock plan: its creator)."""
    if not ids:
        return {}
    if model is StockPlan:
        stmt = select(StockPlan.id, Creator.nickname).join(Creator, Creator.user_id == StockPlan.creator_id)
    elif actor.role is Role.MERCHANT:
        stmt = select(model.id, Creator.nickname).join(Creator, Creator.user_id == model.creator_id)
    elif actor.role is Role.CREATOR:
        stmt = select(model.id, Merchant.company).join(Merchant, Merchant.user_id == model.merchant_id)
    else:
        stmt = (select(model.id, Merchant.company + " · " + Creator.nickname)
                .join(Creator, Creator.user_id == model.creator_id)
                .join(Merchant, Merchant.user_id == model.merchant_id))
    out: dict[int, str] = {}
    idl = list(ids)
    for i in range(0, len(idl), 500):
        out.update(uow.session.execute(stmt.where(model.id.in_(idl[i:i + 500]))).all())
    return out


@read_only
def my_deadlines(uow: UnitOfWork, actor: Actor, days: int = 30) -> list[CalendarEntry]:
    """Deadlines from a week back (still open: overdue) to `days` ahead, soonest first; orders that
    went overdue in the past week are listed too."""
    now = uow.now
    agency_creators: list[int] = []
    if actor.role is Role.AGENCY:
        agency_creators = list(uow.session.scalars(select(CreatorBinding.creator_id).where(
            CreatorBinding.agency_id == actor.id, CreatorBinding.status == "active")))
    found: list[tuple[Kind, int, datetime]] = []
    for kind in KINDS:
        extra = _party(actor, kind, agency_creators)
        if extra is None:
            continue
        seen: set[int] = set()
        for d in deadlines_between(uow, kind, now - LOOK_BACK, now + timedelta(days=days), extra):
            if d.ref_id not in seen:   # a plan is one entry, not one per staff member
                seen.add(d.ref_id)
                found.append((kind, d.ref_id, d.at))
    # Orders already marked overdue in the past week stay on the calendar, in red.
    overdue_kind = next(k for k in KINDS if k.name == "latest_delivery")
    extra = _party(actor, overdue_kind, agency_creators)
    overdue: list[tuple[int, datetime]] = []
    if extra is not None:
        overdue = list(uow.session.execute(select(CoopOrder.id, CoopOrder.latest_delivery_at).where(
            CoopOrder.status == "overdue", CoopOrder.closed_at >= now - LOOK_BACK, *extra)).all())
    found.sort(key=lambda f: f[2])
    found = found[:LIMIT]
    names: dict[type, dict[int, str]] = {}
    for model in (CoopOrder, LiveTask, StockPlan):
        ids = {rid for k, rid, _at in found if k.model is model}
        if model is CoopOrder:
            ids |= {oid for oid, _at in overdue}
        names[model] = _counterparts(uow, actor, model, ids)
    entries = []
    for kind, rid, at in found:
        risk = "overdue" if at <= now else "soon" if at - now <= timedelta(hours=24) else "later"
        entries.append(CalendarEntry(at, local_time(at, actor.zone)[:10], kind.name, _(WHAT[kind.name]),
                                     kind.ref_type, rid, kind.screen, names[kind.model].get(rid, ""), risk))
    late = "overdue"
    for oid, at in overdue:
        entries.append(CalendarEntry(at, local_time(at, actor.zone)[:10], late, _(WHAT[late]),
                                     "order", oid, "order_detail", names[CoopOrder].get(oid, ""), "overdue"))
    entries.sort(key=lambda e: (e.at, e.ref_id))
    return entries
