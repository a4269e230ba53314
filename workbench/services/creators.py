"""The creator square (主播广场) and creator profiles; creators set themselves resting or open."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, field_validator
from sqlalchemy import func, select

from workbench.domain import validate
from workbench.domain.errors import DomainError, NotFound
from workbench.domain.money import Money
from workbench.domain.roles import Role
from workbench.domain.tasks import TaskStatus, TaskSub
from workbench.i18n import _
from workbench.services.base import Actor, Command, audit, read_only, require_role
from workbench.store.models import Creator, LiveTask, User
from workbench.store.uow import UnitOfWork


class CreatorQuery(Command):
    text: str = Field(default="", max_length=50)
    category: str | None = None
    min_fans: int = Field(default=0, ge=0)
    min_viewers: int = Field(default=0, ge=0)
    max_quote: str | None = None
    min_level: int = Field(default=0, ge=0, le=7)
    sort: str = Field(default="viewers", description="viewers, fans, quote (lowest first) or level")
    view: str | None = Field(default=None, description="a saved view's name: its filters and sort")

    @field_validator("sort")
    @classmethod
    def _sort(cls, v: str) -> str:
        from workbench.services.views import check_sort

        return check_sort("creators", v)

    @field_validator("category")
    @classmethod
    def _category(cls, v: str | None) -> str | None:
        return validate.category(v) if v else None

    @field_validator("max_quote")
    @classmethod
    def _quote(cls, v: str | None) -> str | None:
        if v:
            try:
                Money.of(v)
            except DomainError as exc:
                raise DomainError(exc.message, field="max_quote") from None
        return v or None


class SetResting(Command):
    resting: bool


@dataclass(frozen=True, slots=True)
class CreatorCard:
    id: int
    nickname: str
    level_v: int
    level_l: int
    fans: int
    avg_viewers: int
    quote_cents: int
    categories: tuple[str, ...]
    resting: bool
    orderable: bool
    completed: int


@dataclass(frozen=True, slots=True)
class CreatorProfile:
    card: CreatorCard
    bio: str
    verified: bool
    accepted: int
    rejected: int
    cancelled_by_creator: int
    timed_out: int
    response_rate: str
    completion_rate: str


def _completed(uow: UnitOfWork, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = uow.session.execute(
        select(LiveTask.creator_id, func.count()).where(
            LiveTask.creator_id.in_(ids), LiveTask.status == TaskStatus.COMPLETED.value)
        .group_by(LiveTask.creator_id))
    return {cid: n for cid, n in rows}


def _card(uow: UnitOfWork, c: Creator, verified: bool, completed: int) -> CreatorCard:
    orderable = (verified and not c.resting
                 and c.level_v >= uow.rules.admission.creator_min_level_v)
    return CreatorCard(c.user_id, c.nickname, c.level_v, c.level_l, c.fans, c.avg_viewers, c.quote_cents,
                       tuple(x for x in c.categories.split(",") if x), c.resting, orderable, completed)


@read_only
def search_creators(uow: UnitOfWork, actor: Actor, cmd: CreatorQuery | None = None) -> list[CreatorCard]:
    """Creators by the filters; resting ones are listed too, marked and not orderable."""
    from workbench.services.views import apply_view

    cmd = apply_view(uow, actor, "creators", cmd or CreatorQuery())
    stmt = select(Creator, User.verified).join(User, User.id == Creator.user_id)
    if cmd.text:
        stmt = stmt.where(Creator.nickname.contains(cmd.text) | Creator.bio.contains(cmd.text))
    if cmd.category:
        stmt = stmt.where(Creator.categories.contains(cmd.category))
    if cmd.min_fans:
        stmt = stmt.where(Creator.fans >= cmd.min_fans)
    if cmd.min_viewers:
        stmt = stmt.where(Creator.avg_viewers >= cmd.min_viewers)
    if cmd.max_quote:
        stmt = stmt.where(Creator.quote_cents <= Money.of(cmd.max_quote).cents)
    if cmd.min_level:
        stmt = stmt.where(Creator.level_l >= cmd.min_level)
    order = {"viewers": Creator.avg_viewers.desc(), "fans": Creator.fans.desc(),
             "quote": Creator.quote_cents.asc(), "level": Creator.level_l.desc()}[cmd.sort]
    rows = list(uow.session.execute(stmt.order_by(order, Creator.user_id).limit(500)))
    done = _completed(uow, [c.user_id for c, _v in rows])
    return [_card(uow, c, v, done.get(c.user_id, 0)) for c, v in rows]


def _rate(part: int, whole: int) -> str:
    return "—" if whole == 0 else f"{part * 100 / whole:.0f}%"


@read_only
def creator_profile(uow: UnitOfWork, actor: Actor, creator_id: int) -> CreatorProfile:
    row = uow.session.execute(select(Creator, User.verified).join(User, User.id == Creator.user_id)
                              .where(Creator.user_id == creator_id)).first()
    if row is None:
        raise NotFound(_("没有这个主播: #{id}").format(id=creator_id), field="creator_id")
    c, verified = row
    counts = {f"{status}:{sub}": n for status, sub, n in uow.session.execute(
        select(LiveTask.status, LiveTask.sub_status, func.count())
        .where(LiveTask.creator_id == creator_id).group_by(LiveTask.status, LiveTask.sub_status))}
    n = lambda s, sub="": counts.get(f"{s}:{sub}", 0)  # noqa: E731
    completed = n("completed")
    rejected = n("cancelled", TaskSub.CREATOR_REJECTED)
    timed_out = n("cancelled", TaskSub.TIMED_OUT)
    creator_cancelled = n("cancelled", TaskSub.CREATOR_CANCELLED)
    offered = sum(counts.values())
    answered = offered - n("pending") - timed_out
    accepted = answered - rejected
    return CreatorProfile(
        _card(uow, c, verified, completed), c.bio, verified, accepted, rejected, creator_cancelled, timed_out,
        _rate(answered, offered - n("pending")), _rate(completed, completed + creator_cancelled))


def set_resting(uow: UnitOfWork, actor: Actor, cmd: SetResting) -> bool:
    """A creator marks themselves resting (休息中, not orderable) or open for orders."""
    require_role(actor, Role.CREATOR)
    creator = uow.session.get(Creator, actor.id)
    creator.resting = cmd.resting
    audit(uow, actor, "creator.set_resting", "creator", actor.id, resting=cmd.resting)
    uow.commit()
    return cmd.resting
