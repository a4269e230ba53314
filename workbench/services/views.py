"""Saved views (保存的视图) and the last-used filter and sort of every list (列表偏好).

Both live in the store, not in a local file, so they follow a user to another terminal or over SSH.
`LISTS` is the one place that says which filters and sorts each list takes; the list services
(`orders.list_orders`, `task_views.list_tasks`, ...) read their sort names from it.

On a fresh open a list shows the user's default view if they made one, otherwise the filter and
sort they used last; a user's views are theirs alone (another user's view answers "not found").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workbench.domain.errors import DomainError, NotFound
from workbench.i18n import N_, _
from workbench.services.base import Actor, Command, audit, read_only
from workbench.store.models import ListPrefs, SavedView
from workbench.store.uow import UnitOfWork, expect_version

NAME_MAX = 40        # the column's length: a view's name as the palette and the title show it
MAX_VIEWS = 30       # per user and list: a palette, not an archive
VALUE_MAX = 50       # one filter value (the longest is the creator square's search text)


@dataclass(frozen=True)
class ListDef:
    """One list: its filters (key -> allowed values, or None when the list's query checks them)
    and its sort orders (name -> label msgid; the first is the default)."""

    key: str
    title: str
    filters: dict[str, tuple[str, ...] | None]
    sorts: dict[str, str]
    query: str | None = None    # "module:Model" that checks filters and sort together, if any
    screen: str = ""            # the TUI screen that shows the list

    @property
    def default_sort(self) -> str:
        return next(iter(self.sorts))


def _categories() -> tuple[str, ...]:
    from workbench.domain.validate import CATEGORIES

    return tuple(CATEGORIES)


LISTS: dict[str, ListDef] = {d.key: d for d in (
    ListDef("orders", N_("直播通订单"), {"status": None},
            {"newest": N_("最新在前"), "oldest": N_("最早在前"), "due": N_("截止最近"), "quote": N_("报价从高到低")},
            query="orders:OrderQuery", screen="orders"),
    ListDef("tasks", N_("任务"), {"status": None, "sub_status": None},
            {"newest": N_("最新在前"), "air": N_("播出最近"), "amount": N_("金额从高到低")},
            query="task_views:TaskQuery", screen="tasks"),
    ListDef("products", N_("预选品"), {"pool": ("custom", "hot", "cart"), "category": None},
            {"index": N_("按推荐指数"), "sales": N_("按销量")}, screen="preselect"),
    ListDef("creators", N_("主播广场"),
            {"text": None, "category": None, "min_fans": None, "min_viewers": None, "max_quote": None,
             "min_level": None},
            {"viewers": N_("按场均观看"), "fans": N_("按粉丝"), "quote": N_("按报价"), "level": N_("按等级")},
            query="creators:CreatorQuery", screen="creator_square"),
    ListDef("disputes", N_("争议"), {"state": ("open", "all")},
            {"oldest": N_("最早在前"), "newest": N_("最新在前")}, screen="disputes"),
    ListDef("notifications", N_("通知"), {"read": ("unread", "all")},
            {"newest": N_("最新在前"), "oldest": N_("最早在前")}, screen="notifications"),
)}


def list_def(key: str | None, field_name: str = "list_key") -> ListDef:
    if key not in LISTS:
        raise DomainError(_("未知列表: {value}（可选: {names}）").format(value=key, names=", ".join(LISTS)),
                          field=field_name)
    return LISTS[key]


def sort_names(key: str) -> tuple[str, ...]:
    return tuple(LISTS[key].sorts)


def check_sort(key: str, sort: str | None) -> str:
    """The sort name if the list has it, else the list's default when none was given."""
    d = LISTS[key]
    if not sort:
        return d.default_sort
    if sort not in d.sorts:
        raise DomainError(_("未知排序: {value}（可选: {names}）").format(value=sort, names=", ".join(d.sorts)),
                          field="sort")
    return sort


def _resolve(spec: str) -> Any:
    module, _sep, attr = spec.partition(":")
    return getattr(__import__(f"workbench.services.{module}", fromlist=[attr]), attr)


def check_state(key: str, filters: dict[str, str], sort: str | None) -> tuple[dict[str, str], str]:
    """Refuse an unknown filter key, a value the list does not take, or an unknown sort."""
    d = list_def(key)
    clean: dict[str, str] = {}
    for name, value in filters.items():
        if name not in d.filters:
            raise DomainError(_("未知筛选项: {value}（可选: {names}）").format(value=name, names=", ".join(d.filters)),
                              field="filters")
        value = str(value).strip()
        if not value:
            continue
        if len(value) > VALUE_MAX:
            raise DomainError(_("筛选值太长: {name}（最多 {n} 个字）").format(name=name, n=VALUE_MAX), field=name)
        allowed = d.filters[name]
        if name == "category" and allowed is None and d.query is None:
            allowed = _categories()
        if allowed is not None and value not in allowed:
            raise DomainError(_("{name} 不能是 {value}（可选: {names}）").format(
                name=name, value=value, names=", ".join(allowed)), field=name)
        clean[name] = value
    sort = check_sort(key, sort)
    if d.query:
        model = _resolve(d.query)
        values: dict[str, Any] = dict(clean)
        if "sort" in model.model_fields:
            values["sort"] = sort
        model.parse(**values)   # the list's own query names the field it refuses
    return clean, sort


def _pairs(items: list[str] | None) -> dict[str, str]:
    """`["status=paid", "category=美妆"]` -> a dict; what the CLI and the TUI send."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise DomainError(_("筛选条件应写成 名称=值: {value}").format(value=item), field="filters")
        out[name.strip()] = value
    return out


def pairs(filters: dict[str, str]) -> list[str]:
    return [f"{k}={v}" for k, v in filters.items()]


# ---- commands -----------------------------------------------------------------------------------

def _name(v: str, field_name: str) -> str:
    if not v:
        raise DomainError(_("视图名称不能为空"), field=field_name)
    if len(v) > NAME_MAX:
        raise DomainError(_("视图名称最多 {n} 个字").format(n=NAME_MAX), field=field_name)
    if any(not c.isprintable() for c in v):
        raise DomainError(_("视图名称不能包含控制字符"), field=field_name)
    return v


class ListKey(Command):
    list_key: str = Field(description="orders, tasks, products, creators, disputes or notifications")


class ViewQuery(Command):
    list_key: str | None = Field(default=None, description="only this list's views")


class SavePrefs(Command):
    list_key: str = Field(description="the list")
    filters: list[str] = Field(default_factory=list, description="NAME=VALUE ...")
    sort: str = Field(default="", description="the sort name")


class SaveView(Command):
    list_key: str = Field(description="the list")
    name: str = Field(description="the view's name (at most 40 characters)")
    filters: list[str] = Field(default_factory=list, description="NAME=VALUE ...")
    sort: str = Field(default="", description="the sort name")
    default: bool = Field(default=False, description="open the list with this view")

    @field_validator("name")
    @classmethod
    def _check_name(cls, v: str) -> str:
        return _name(v, "name")


class RenameView(Command):
    list_key: str = Field(description="the list")
    name: str = Field(description="the view's current name")
    new_name: str = Field(description="the new name (at most 40 characters)")
    version: int | None = None  # the version the person saw; refused if it changed since

    @field_validator("new_name")
    @classmethod
    def _check_name(cls, v: str) -> str:
        return _name(v, "new_name")


class ViewRef(Command):
    list_key: str = Field(description="the list")
    name: str = Field(description="the view's name")
    version: int | None = None  # the version the person saw; refused if it changed since


class SetDefault(Command):
    list_key: str = Field(description="the list")
    name: str | None = Field(default=None, description="the view; leave out to open with the last-used filters")


@dataclass(frozen=True, slots=True)
class ViewRow:
    id: int
    list_key: str
    name: str
    filters: dict[str, str]
    sort: str
    is_default: bool
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class ListState:
    """What a list opens with: the default view's filter and sort, else the last-used ones."""

    list_key: str
    filters: dict[str, str]
    sort: str
    view: str | None                       # the name of the view in use, if any
    views: list[ViewRow] = field(default_factory=list)


# ---- reading ------------------------------------------------------------------------------------

def _row(v: SavedView) -> ViewRow:
    return ViewRow(v.id, v.list_key, v.name, json.loads(v.filters or "{}"), v.sort, v.is_default, v.updated_at,
                   v.version)


def _views(uow: UnitOfWork, actor: Actor, key: str | None) -> list[SavedView]:
    stmt = select(SavedView).where(SavedView.user_id == actor.id)
    if key:
        stmt = stmt.where(SavedView.list_key == key)
    return list(uow.session.scalars(stmt.order_by(SavedView.list_key, SavedView.name)))


def _own_view(uow: UnitOfWork, actor: Actor, key: str, name: str) -> SavedView:
    """The actor's view by name; another user's view is "not found", exactly like a missing one."""
    view = uow.session.scalar(select(SavedView).where(
        SavedView.user_id == actor.id, SavedView.list_key == key, SavedView.name == name))
    if view is None:
        raise NotFound(_("没有这个视图: {name}").format(name=name), field="name")
    return view


def _signed_in(actor: Actor) -> None:
    if actor.id is None:
        raise DomainError(_("视图属于某个用户, 请用 --as 指定"), field="as")


@read_only
def list_views(uow: UnitOfWork, actor: Actor, cmd: ViewQuery | None = None) -> list[ViewRow]:
    """The actor's saved views, of one list or of all."""
    cmd = cmd or ViewQuery()
    _signed_in(actor)
    if cmd.list_key is not None:
        list_def(cmd.list_key)
    return [_row(v) for v in _views(uow, actor, cmd.list_key)]


@read_only
def open_list(uow: UnitOfWork, actor: Actor, cmd: ListKey) -> ListState:
    """What the list shows when it opens: the default view wins, then the last-used filter and sort."""
    d = list_def(cmd.list_key)
    _signed_in(actor)
    views = [_row(v) for v in _views(uow, actor, d.key)]
    default = next((v for v in views if v.is_default), None)
    if default is not None:
        return ListState(d.key, default.filters, default.sort or d.default_sort, default.name, views)
    prefs = uow.session.get(ListPrefs, (actor.id, d.key))
    if prefs is None:
        return ListState(d.key, {}, d.default_sort, None, views)
    filters, sort = json.loads(prefs.filters or "{}"), prefs.sort
    try:
        filters, sort = check_state(d.key, filters, sort)
    except DomainError:   # a value a later release no longer takes: start clean rather than fail
        filters, sort = {}, d.default_sort
    return ListState(d.key, filters, sort, None, views)


def view_values(uow: UnitOfWork, actor: Actor, key: str, name: str) -> tuple[dict[str, str], str]:
    """A view's filters and sort, for a list command given `--view NAME`."""
    _signed_in(actor)
    v = _own_view(uow, actor, key, name)
    return json.loads(v.filters or "{}"), v.sort


def apply_view(uow: UnitOfWork, actor: Actor, key: str, cmd: Any) -> Any:
    """`cmd` (a list's query) with the named view's filters and sort filled in; what the command
    sets itself wins over the view."""
    name = getattr(cmd, "view", None)
    if not name:
        return cmd
    filters, sort = view_values(uow, actor, key, name)
    values = {k: v for k, v in {**filters, "sort": sort}.items()
              if k in type(cmd).model_fields and k not in cmd.model_fields_set and v not in ("", None)}
    values.update({k: getattr(cmd, k) for k in cmd.model_fields_set})
    values["view"] = None
    return type(cmd).parse(**values)


# ---- changing -----------------------------------------------------------------------------------

def save_prefs(uow: UnitOfWork, actor: Actor, cmd: SavePrefs) -> ListState:
    """Remember the filter and sort last used on a list.

    Not audited: like the cursor's position it is how a person looks at the data, not a change to
    it, and it is written on every change of filter; the saved views are audited.
    """
    _signed_in(actor)
    list_def(cmd.list_key)
    filters, sort = check_state(cmd.list_key, _pairs(cmd.filters), cmd.sort)
    prefs = uow.session.get(ListPrefs, (actor.id, cmd.list_key))
    encoded = json.dumps(filters, ensure_ascii=False, sort_keys=True)
    if prefs is None:
        uow.session.add(ListPrefs(user_id=actor.id, list_key=cmd.list_key, filters=encoded, sort=sort,
                                  updated_at=uow.now))
    elif prefs.filters != encoded or prefs.sort != sort:
        prefs.filters, prefs.sort, prefs.updated_at = encoded, sort, uow.now
    uow.commit()
    return ListState(cmd.list_key, filters, sort, None)


def _clear_default(uow: UnitOfWork, actor: Actor, key: str, keep: int | None = None) -> None:
    for v in uow.session.scalars(select(SavedView).where(
            SavedView.user_id == actor.id, SavedView.list_key == key, SavedView.is_default.is_(True))):
        if v.id != keep:
            v.is_default = False
            v.updated_at = uow.now


def _unique(uow: UnitOfWork, actor: Actor, key: str, name: str, field_name: str) -> None:
    taken = uow.session.scalar(select(SavedView.id).where(
        SavedView.user_id == actor.id, SavedView.list_key == key, SavedView.name == name))
    if taken is not None:
        raise DomainError(_("已有同名视图: {name}").format(name=name), field=field_name)


def save_view(uow: UnitOfWork, actor: Actor, cmd: SaveView) -> ViewRow:
    """Save the filter and sort as a named view of the list (names are unique per user and list)."""
    _signed_in(actor)
    d = list_def(cmd.list_key)
    filters, sort = check_state(d.key, _pairs(cmd.filters), cmd.sort)
    _unique(uow, actor, d.key, cmd.name, "name")
    if len(_views(uow, actor, d.key)) >= MAX_VIEWS:
        raise DomainError(_("每个列表最多保存 {n} 个视图, 请先删除不用的").format(n=MAX_VIEWS), field="name")
    if cmd.default:
        _clear_default(uow, actor, d.key)
    view = SavedView(user_id=actor.id, list_key=d.key, name=cmd.name,
                     filters=json.dumps(filters, ensure_ascii=False, sort_keys=True), sort=sort,
                     is_default=cmd.default, created_at=uow.now, updated_at=uow.now)
    uow.session.add(view)
    try:
        uow.session.flush()
    except IntegrityError:   # the same name saved at the same moment from another session
        raise DomainError(_("已有同名视图: {name}").format(name=cmd.name), field="name") from None
    audit(uow, actor, "view.save", "saved_view", view.id, list=d.key, name=cmd.name, filters=filters, sort=sort,
          default=cmd.default)
    uow.commit()
    return _row(view)


def rename_view(uow: UnitOfWork, actor: Actor, cmd: RenameView) -> ViewRow:
    _signed_in(actor)
    d = list_def(cmd.list_key)
    view = _own_view(uow, actor, d.key, cmd.name)
    expect_version(view, cmd.version)
    if cmd.new_name == view.name:
        return _row(view)
    _unique(uow, actor, d.key, cmd.new_name, "new_name")
    view.name, view.updated_at = cmd.new_name, uow.now
    try:
        uow.session.flush()
    except IntegrityError:   # the same name given at the same moment from another session
        raise DomainError(_("已有同名视图: {name}").format(name=cmd.new_name), field="new_name") from None
    audit(uow, actor, "view.rename", "saved_view", view.id, list=d.key, name=cmd.name, new_name=cmd.new_name)
    uow.commit()
    return _row(view)


def delete_view(uow: UnitOfWork, actor: Actor, cmd: ViewRef) -> ViewRow:
    _signed_in(actor)
    d = list_def(cmd.list_key)
    view = _own_view(uow, actor, d.key, cmd.name)
    expect_version(view, cmd.version)
    row = _row(view)
    audit(uow, actor, "view.delete", "saved_view", view.id, list=d.key, name=view.name)
    uow.session.delete(view)
    uow.commit()
    return row


def set_default_view(uow: UnitOfWork, actor: Actor, cmd: SetDefault) -> ViewRow | None:
    """Make a view the one the list opens with (at most one per list); no name: none of them."""
    _signed_in(actor)
    d = list_def(cmd.list_key)
    view = _own_view(uow, actor, d.key, cmd.name) if cmd.name else None
    _clear_default(uow, actor, d.key, keep=view.id if view else None)
    if view is not None and not view.is_default:
        view.is_default, view.updated_at = True, uow.now
    audit(uow, actor, "view.default", "saved_view", view.id if view else None, list=d.key,
          name=view.name if view else None)
    uow.commit()
    return _row(view) if view else None
