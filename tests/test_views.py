"""Saved views and remembered list state: the service, the list services' sorts, and the CLI."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import DEMO_NOW, open_store
from tests.test_cli import assert_clean_failure, run
from workbench.domain.errors import DomainError, NotFound
from workbench.services import creators, disputes, notifications, orders, task_views, views
from workbench.store.models import AuditEntry, ListPrefs, SavedView


def _count(wb, model) -> int:
    return wb.run(lambda uow: uow.session.scalar(select(func.count()).select_from(model)))


def _audits(wb) -> list[tuple[str, dict]]:
    return wb.run(lambda uow: [(a.action, json.loads(a.detail)) for a in uow.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("view.%")).order_by(AuditEntry.id))])


def _save(wb, actor, name, filters=(), sort="", default=False, key="orders"):
    return wb.run(views.save_view, actor, views.SaveView.parse(list_key=key, name=name, filters=list(filters),
                                                                sort=sort, default=default))


@pytest.mark.both_backends
def test_a_view_is_saved_renamed_made_default_and_deleted_each_audited(demo):
    m = demo.sign_in("m.shanwei")
    row = _save(demo, m, "待寄样 · 截止最近", ["status=sample_shipped"], "due")
    assert (row.filters, row.sort, row.is_default) == ({"status": "sample_shipped"}, "due", False)
    demo.run(views.rename_view, m, views.RenameView.parse(list_key="orders", name=row.name, new_name="寄样",
                                                          version=row.version))
    demo.run(views.set_default_view, m, views.SetDefault(list_key="orders", name="寄样"))
    [listed] = demo.run(views.list_views, m, views.ViewQuery(list_key="orders"))
    assert listed.name == "寄样" and listed.is_default
    demo.run(views.delete_view, m, views.ViewRef(list_key="orders", name="寄样"))
    assert demo.run(views.list_views, m) == []
    assert [a for a, _d in _audits(demo)] == ["view.save", "view.rename", "view.default", "view.delete"]
    assert _audits(demo)[1][1] == {"list": "orders", "name": "待寄样 · 截止最近", "new_name": "寄样"}


def test_only_one_default_per_list_and_saving_a_new_default_takes_it_over(demo):
    m = demo.sign_in("m.shanwei")
    _save(demo, m, "A", ["status=paid"], default=True)
    _save(demo, m, "B", ["status=invited"], default=True)
    _save(demo, m, "T", [], "air", default=True, key="tasks")
    rows = {(v.list_key, v.name): v.is_default for v in demo.run(views.list_views, m)}
    assert rows == {("orders", "A"): False, ("orders", "B"): True, ("tasks", "T"): True}


@pytest.mark.parametrize(("values", "field"), [
    ({"list_key": "nope"}, "list_key"),
    ({"filters": ["bogus=1"]}, "filters"),
    ({"filters": ["status"]}, "filters"),
    ({"filters": ["status=lost"]}, "status"),
    ({"sort": "cheapest"}, "sort"),
    ({"sort": "due"}, "sort"),                        # a deadline sort needs a state with a deadline
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "视" * 41}, "name"),
    ({"name": "a\x1b[2Jb"}, "name"),
    ({"list_key": "creators", "filters": ["min_fans=many"]}, "min_fans"),
    ({"list_key": "creators", "filters": ["max_quote=一百"]}, "max_quote"),
    ({"list_key": "products", "filters": ["pool=secret"]}, "pool"),
    ({"list_key": "products", "filters": ["category=火箭"]}, "category"),
    ({"list_key": "tasks", "filters": ["sub_status=live"]}, "sub_status"),
    ({"list_key": "notifications", "filters": ["read=maybe"]}, "read"),
])
def test_bad_views_are_refused_naming_the_field_and_nothing_is_written(demo, values, field):
    m = demo.sign_in("m.shanwei")
    before = (_count(demo, SavedView), _count(demo, AuditEntry))
    args = {"list_key": "orders", "name": "好名字", "filters": [], "sort": "", **values}
    with pytest.raises(DomainError) as err:
        demo.run(views.save_view, m, views.SaveView.parse(**args))
    assert err.value.field == field, err.value
    assert (_count(demo, SavedView), _count(demo, AuditEntry)) == before


def test_a_duplicate_name_is_refused_on_save_and_on_rename(demo):
    m = demo.sign_in("m.shanwei")
    _save(demo, m, "甲")
    _save(demo, m, "乙")
    _save(demo, m, "甲", key="tasks")                # the same name on another list is fine
    with pytest.raises(DomainError, match="已有同名视图") as err:
        _save(demo, m, "甲")
    assert err.value.field == "name"
    with pytest.raises(DomainError, match="已有同名视图") as err:
        demo.run(views.rename_view, m, views.RenameView.parse(list_key="orders", name="乙", new_name="甲"))
    assert err.value.field == "new_name"
    assert sorted(v.name for v in demo.run(views.list_views, m, views.ViewQuery(list_key="orders"))) == ["乙", "甲"]


def test_a_stale_version_is_refused(demo):
    m = demo.sign_in("m.shanwei")
    row = _save(demo, m, "甲")
    demo.run(views.rename_view, m, views.RenameView.parse(list_key="orders", name="甲", new_name="乙"))
    with pytest.raises(DomainError, match="已被他人修改"):
        demo.run(views.delete_view, m, views.ViewRef(list_key="orders", name="乙", version=row.version))


@pytest.mark.both_backends
def test_views_of_one_user_are_invisible_to_others(demo):
    m, other = demo.sign_in("m.shanwei"), demo.sign_in("m.qingyan")
    _save(demo, m, "我的", ["status=paid"])
    assert demo.run(views.list_views, other) == []
    assert demo.run(views.open_list, other, views.ListKey(list_key="orders")).view is None
    missing = {}
    for name in ("我的", "没有的"):
        with pytest.raises(NotFound) as err:
            demo.run(views.delete_view, other, views.ViewRef(list_key="orders", name=name))
        missing[name] = str(err.value).replace(name, "?")
    assert missing["我的"] == missing["没有的"]       # someone else's view answers exactly like a missing one
    for call in (lambda: demo.run(views.rename_view, other, views.RenameView.parse(
                     list_key="orders", name="我的", new_name="偷")),
                 lambda: demo.run(views.set_default_view, other, views.SetDefault(list_key="orders", name="我的")),
                 lambda: demo.run(orders.list_orders, other, orders.OrderQuery(view="我的"))):
        with pytest.raises(NotFound):
            call()
    assert [v.name for v in demo.run(views.list_views, m)] == ["我的"]


def test_the_list_opens_with_the_default_view_else_the_last_used_state(demo):
    m = demo.sign_in("m.shanwei")
    opened = demo.run(views.open_list, m, views.ListKey(list_key="orders"))
    assert (opened.filters, opened.sort, opened.view) == ({}, "newest", None)
    demo.run(views.save_prefs, m, views.SavePrefs(list_key="orders", filters=["status=paid"], sort="quote"))
    opened = demo.run(views.open_list, m, views.ListKey(list_key="orders"))
    assert (opened.filters, opened.sort, opened.view) == ({"status": "paid"}, "quote", None)
    _save(demo, m, "逾期", ["status=overdue"], "oldest", default=True)
    opened = demo.run(views.open_list, m, views.ListKey(list_key="orders"))
    assert (opened.filters, opened.sort, opened.view) == ({"status": "overdue"}, "oldest", "逾期")
    demo.run(views.set_default_view, m, views.SetDefault(list_key="orders"))
    opened = demo.run(views.open_list, m, views.ListKey(list_key="orders"))
    assert (opened.filters, opened.sort, opened.view) == ({"status": "paid"}, "quote", None)
    # Another process (another terminal, an SSH session) sees the same state: it lives in the store.
    other = open_store(__import__("pathlib").Path(demo.settings.db_url.removeprefix("sqlite:///")))
    try:
        again = other.run(views.open_list, other.sign_in("m.shanwei"), views.ListKey(list_key="orders"))
    finally:
        other.close()
    assert (again.filters, again.sort) == ({"status": "paid"}, "quote")


def test_last_used_state_is_refused_when_bad_and_not_audited(demo):
    m = demo.sign_in("m.shanwei")
    audits = _count(demo, AuditEntry)
    with pytest.raises(DomainError) as err:
        demo.run(views.save_prefs, m, views.SavePrefs(list_key="tasks", filters=["status=lost"]))
    assert err.value.field == "status" and _count(demo, ListPrefs) == 0
    demo.run(views.save_prefs, m, views.SavePrefs(list_key="tasks", filters=["status=completed"], sort="amount"))
    demo.run(views.save_prefs, m, views.SavePrefs(list_key="tasks", filters=[], sort="air"))
    assert _count(demo, ListPrefs) == 1 and _count(demo, AuditEntry) == audits
    assert demo.run(views.open_list, m, views.ListKey(list_key="tasks")).sort == "air"


def _walk(wb, actor, fn, make, limit):
    """Every page of a keyset-paged list, following `after_id` from the last row of each page."""
    rows, after = [], None
    for _ in range(100):
        page = wb.run(fn, actor, make(after, limit))
        rows += page
        if len(page) < limit:
            return rows
        after = page[-1].id
    raise AssertionError("the pages never ended")


@pytest.mark.both_backends
@pytest.mark.parametrize("sort", ["newest", "oldest", "quote"])
@pytest.mark.parametrize("handle", ["m.shanwei", "c.tangtang", "s.lin"])
def test_order_pages_in_every_sort_are_the_whole_list_in_order(demo, handle, sort):
    actor = demo.sign_in(handle)
    whole = demo.run(orders.list_orders, actor, orders.OrderQuery(sort=sort, limit=500))
    paged = _walk(demo, actor, orders.list_orders, lambda after, n: orders.OrderQuery(sort=sort, after_id=after,
                                                                                       limit=n), 2)
    assert [r.id for r in paged] == [r.id for r in whole] and len(whole) >= 2
    if sort == "quote":
        assert [(-r.quote_cents, -r.id) for r in whole] == sorted((-r.quote_cents, -r.id) for r in whole)
    else:
        assert [r.id for r in whole] == sorted((r.id for r in whole), reverse=sort == "newest")


def test_orders_sort_by_deadline_within_a_state_that_has_one(demo):
    support = demo.sign_in("s.lin")
    rows = demo.run(orders.list_orders, support, orders.OrderQuery(status="sample_shipped", sort="due"))
    assert rows and [r.due_at for r in rows] == sorted(r.due_at for r in rows)


@pytest.mark.both_backends
@pytest.mark.parametrize("sort", ["newest", "air", "amount"])
@pytest.mark.parametrize("handle", ["m.shanwei", "s.lin"])
def test_task_pages_in_every_sort_are_the_whole_list_in_order(demo, handle, sort):
    actor = demo.sign_in(handle)
    whole = demo.run(task_views.list_tasks, actor, task_views.TaskQuery(sort=sort, limit=500))
    paged = _walk(demo, actor, task_views.list_tasks,
                  lambda after, n: task_views.TaskQuery(sort=sort, after_id=after, limit=n), 2)
    assert [r.id for r in paged] == [r.id for r in whole] and len(whole) >= 3
    key = {"newest": lambda r: -r.id, "air": lambda r: (r.air_at, r.id), "amount": lambda r: (-r.amount_cents, -r.id)}
    assert whole == sorted(whole, key=key[sort])


@pytest.mark.both_backends
def test_a_list_command_takes_a_view_and_its_own_options_win(demo):
    m = demo.sign_in("m.shanwei")
    _save(demo, m, "已寄样", ["status=sample_shipped"], "oldest")
    via_view = demo.run(orders.list_orders, m, orders.OrderQuery.parse(view="已寄样"))
    assert via_view and {r.status for r in via_view} == {"sample_shipped"}
    overridden = demo.run(orders.list_orders, m, orders.OrderQuery.parse(view="已寄样", status="paid"))
    assert {r.status for r in overridden} == {"paid"}
    _save(demo, m, "便宜优先", [], "quote", key="creators")
    cards = demo.run(creators.search_creators, m, creators.CreatorQuery.parse(view="便宜优先"))
    assert [c.quote_cents for c in cards] == sorted(c.quote_cents for c in cards)


def test_disputes_and_notifications_sort_both_ways(demo):
    support, m = demo.sign_in("s.lin"), demo.sign_in("m.shanwei")
    old = demo.run(disputes.list_disputes, support, False, "oldest")
    new = demo.run(disputes.list_disputes, support, False, "newest")
    assert old and [d.id for d in new] == [d.id for d in reversed(old)]
    oldest = demo.run(notifications.list_notifications, m, sort="oldest")
    assert [n.at for n in oldest] == sorted(n.at for n in oldest)
    unread = demo.run(notifications.list_notifications, m, unread_only=True)
    assert unread and all(not n.read for n in unread)
    with pytest.raises(DomainError) as err:
        demo.run(disputes.list_disputes, support, True, "loudest")
    assert err.value.field == "sort"


# ---- the command line ---------------------------------------------------------------------------

def test_views_from_the_command_line(demo_path):
    db = demo_path
    saved = run("views", "save", "--as", "m.shanwei", "--list", "orders", "--name", "待付款",
                "--filters", "status=paid", "--sort", "quote", "--default", "--json", db=db)
    assert saved.returncode == 0, saved.stderr
    assert json.loads(saved.stdout)["is_default"] is True
    listed = json.loads(run("views", "list", "--as", "m.shanwei", "--list", "orders", "--json", db=db).stdout)
    assert [(v["name"], v["filters"], v["sort"]) for v in listed] == [("待付款", {"status": "paid"}, "quote")]
    assert json.loads(run("views", "list", "--as", "m.qingyan", "--json", db=db).stdout) == []
    opened = json.loads(run("views", "open", "--as", "m.shanwei", "--list", "orders", "--json", db=db).stdout)
    assert opened["view"] == "待付款"
    shown = json.loads(run("orders", "list", "--as", "m.shanwei", "--view", "待付款", "--json", db=db).stdout)
    assert shown and {o["status"] for o in shown} == {"paid"}
    by_quote = json.loads(run("orders", "list", "--as", "m.shanwei", "--sort", "quote", "--json", db=db).stdout)
    assert [o["quote_cents"] for o in by_quote] == sorted((o["quote_cents"] for o in by_quote), reverse=True)
    tasks = json.loads(run("tasks", "list", "--as", "m.shanwei", "--sort", "amount", "--json", db=db).stdout)
    assert [t["amount_cents"] for t in tasks] == sorted((t["amount_cents"] for t in tasks), reverse=True)
    assert run("views", "rename", "--as", "m.shanwei", "--list", "orders", "--name", "待付款",
               "--new-name", "已付款", db=db).returncode == 0
    assert run("views", "default", "--as", "m.shanwei", "--list", "orders", db=db).returncode == 0
    assert run("views", "delete", "--as", "m.shanwei", "--list", "orders", "--name", "已付款", db=db).returncode == 0
    assert json.loads(run("views", "list", "--as", "m.shanwei", "--json", db=db).stdout) == []


def test_disputes_and_notifications_lists_take_views_on_the_command_line(demo_path):
    db = demo_path
    assert run("views", "save", "--as", "s.lin", "--list", "disputes", "--name", "all-newest",
               "--filters", "state=all", "--sort", "newest", db=db).returncode == 0
    queue = json.loads(run("disputes", "list", "--as", "s.lin", "--json", db=db).stdout)
    everything = json.loads(run("disputes", "list", "--as", "s.lin", "--view", "all-newest", "--json", db=db).stdout)
    assert {d["status"] for d in queue} == {"open"} and len(everything) > len(queue)
    assert [d["opened_at"] for d in everything] == sorted((d["opened_at"] for d in everything), reverse=True)
    assert run("views", "save", "--as", "m.shanwei", "--list", "notifications", "--name", "unread",
               "--filters", "read=unread", "--sort", "oldest", db=db).returncode == 0
    unread = json.loads(run("notifications", "list", "--as", "m.shanwei", "--view", "unread", "--json", db=db).stdout)
    assert unread and not any(n["read"] for n in unread)
    assert [n["at"] for n in unread] == sorted(n["at"] for n in unread)
    assert_clean_failure(run("notifications", "list", "--as", "m.shanwei", "--view", "all-newest", db=db), "name")


@pytest.mark.parametrize(("args", "word"), [
    (("views", "save", "--list", "orders", "--name", ""), "name"),
    (("views", "save", "--list", "orders", "--name", "x" * 41), "name"),
    (("views", "save", "--list", "planets", "--name", "x"), "list_key"),
    (("views", "save", "--list", "orders", "--name", "x", "--filters", "colour=red"), "filters"),
    (("views", "save", "--list", "orders", "--name", "x", "--sort", "random"), "sort"),
    (("views", "delete", "--list", "orders", "--name", "nobody's"), "name"),
    (("orders", "list", "--sort", "random"), "sort"),
    (("orders", "list", "--view", "nobody's"), "name"),
    (("tasks", "list", "--sort", "random"), "sort"),
    (("disputes", "list", "--sort", "random"), "sort"),
    (("notifications", "list", "--read", "maybe"), "read"),
])
def test_bad_view_commands_exit_2_with_one_line_and_write_nothing(demo_path, args, word):
    result = run(*args, "--as", "m.shanwei", db=demo_path)
    assert_clean_failure(result, word)
    wb = open_store(demo_path, at=DEMO_NOW)
    try:
        assert _count(wb, SavedView) == 0 and not _audits(wb)
    finally:
        wb.close()


# ---- sorts follow indexes on a big store ---------------------------------------------------------

from tests.test_query_plans import _captured, _full_scans, store  # noqa: E402,F401  (the generated store)


@pytest.mark.parametrize("handle", ["gen.merchant", "gen.creator", "gen.support"])
def test_every_sort_pages_without_reading_a_large_table_whole(store, handle):  # noqa: F811
    actor = store.sign_in(handle)

    def pages() -> None:
        for sort in views.sort_names("orders"):
            for status in ("sample_shipped", "scheduled") if sort == "due" else ("paid", None):
                if sort == "quote" and status is None and handle == "gen.support":
                    continue   # all of the platform's orders by quote: no index on the quote
                first = store.run(orders.list_orders, actor, orders.OrderQuery(status=status, sort=sort, limit=20))
                if first:
                    store.run(orders.list_orders, actor, orders.OrderQuery(status=status, sort=sort, limit=20,
                                                                           after_id=first[-1].id))
        for sort in views.sort_names("tasks"):
            for status in ("in_progress", None):
                if handle == "gen.support" and (sort != "newest") == (status is None):
                    # all tasks by air time or amount: no index on them; a state newest first walks the
                    # ids and filters (no (status, id) index on tasks, unlike orders): both need a migration
                    continue
                first = store.run(task_views.list_tasks, actor, task_views.TaskQuery(status=status, sort=sort))
                if first:
                    store.run(task_views.list_tasks, actor, task_views.TaskQuery(status=status, sort=sort,
                                                                                 after_id=first[-1].id))

    statements = _captured(store, pages)
    assert len(statements) > 10
    assert _full_scans(store, statements) == []
