"""The dashboard's five panels are computed from the store and follow its changes."""

import pytest

from tests import factories
from workbench.domain.roles import Role
from workbench.i18n import set_language
from workbench.services import dashboard, funds, notifications
from workbench.services.notifications import MarkRead

pytestmark = pytest.mark.both_backends

SCREENS = frozenset({"funds", "notifications", "help"})


def _figures(view):
    return {f.key: f.value for f in view.figures}


def _todo(view):
    return {t.key: t.count for t in view.todo}


def test_merchant_panels_on_the_demo_store(demo):
    m = demo.sign_in("m.shanwei")
    view = demo.run(dashboard.load_dashboard, m, SCREENS)
    assert view.role is Role.MERCHANT
    # ¥90,000 topped up; five tasks froze ¥35,000: one completed (¥5,000 paid), one ruled
    # (¥1,800 to the creator, ¥4,200 back), three still open (¥24,000 frozen). Four orders were paid
    # ¥300 + ¥300 + ¥5,000 + ¥300; the last went overdue and was refunded.
    assert _figures(view) == {"available": "¥53,600.00", "frozen": "¥29,600.00", "spend": "¥6,800.00",
                              "active": "6"}
    assert _todo(view) == {"invitations": 0, "samples_to_ship": 1, "intents": 2, "overdue_orders": 0,
                           "binding_invites": 0, "tasks_to_check": 1, "tasks_waiting": 1, "my_disputes": 0,
                           "top_ups_waiting": 1, "to_rate": 1,   # the overdue order #2 (task #2 rated)
                           "notifications": 26}   # two of them: creators' sample reports
    assert [s.done for s in view.steps][:2] == [True, True]
    assert len(view.recommendations) == 5 and len(view.cases) == 3
    # A food merchant is shown food creators first, with the reason.
    assert "食品" in view.recommendations[0].reason


def test_resting_and_unverified_creators_are_not_recommended(demo):
    view = demo.run(dashboard.load_dashboard, demo.sign_in("m.qingyan"), SCREENS)
    names = {r.title for r in view.recommendations}
    with demo.uow() as uow:
        from sqlalchemy import select

        from workbench.store.models import Creator, User
        excluded = set(uow.session.scalars(select(Creator.nickname).join(User, User.id == Creator.user_id)
                                           .where((Creator.resting.is_(True)) | (User.verified.is_(False)))))
    assert excluded and not (names & excluded)


def test_a_top_up_changes_the_core_data_and_the_guided_step(wb):
    m = factories.merchant(wb)
    before = wb.run(dashboard.load_dashboard, m, SCREENS)
    assert _figures(before)["available"] == "¥0.00"  # a fresh merchant
    assert before.steps[1].done is False
    wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount="2500"))
    after = wb.run(dashboard.load_dashboard, m, SCREENS)
    assert _figures(after)["available"] == "¥2,500.00"
    assert after.steps[1].done is True


def test_support_to_do_counts_pending_transfers(wb):
    m, s = factories.merchant(wb), factories.support(wb)
    assert _todo(wb.run(dashboard.load_dashboard, s, SCREENS))["top_ups_review"] == 0
    wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount="100", method="bank"))
    view = wb.run(dashboard.load_dashboard, s, SCREENS)
    assert _todo(view)["top_ups_review"] == 1
    assert next(t for t in view.todo if t.key == "top_ups_review").screen == "funds"


def test_reading_notifications_empties_the_to_do(demo):
    m = demo.sign_in("m.shanwei")
    assert _todo(demo.run(dashboard.load_dashboard, m, SCREENS))["notifications"] == 26
    demo.run(notifications.mark_read, m, MarkRead())
    assert _todo(demo.run(dashboard.load_dashboard, m, SCREENS))["notifications"] == 0


def test_links_only_to_screens_that_exist(demo):
    view = demo.run(dashboard.load_dashboard, demo.sign_in("m.shanwei"), frozenset({"funds"}))
    assert all(t.screen in (None, "funds") for t in view.todo)
    assert all(s.screen in (None, "funds") for s in view.steps)


def test_creator_sees_hot_products_in_their_categories(demo):
    c = demo.sign_in("c.xiaoyu")
    view = demo.run(dashboard.load_dashboard, c, SCREENS)
    assert view.rec_kind == "product"
    assert all("美妆" in r.reason or "个护" in r.reason for r in view.recommendations[:3])
    assert {f.key for f in view.figures} >= {"income_month", "available", "completed", "fulfilment"}
    todo = _todo(view)
    assert todo["tasks_to_accept"] == 1 and todo["lives_today"] == 1


def test_the_same_clock_gives_the_same_figures(demo_path):
    from tests.conftest import open_store

    first, second = open_store(demo_path), open_store(demo_path)
    try:
        a = first.run(dashboard.load_dashboard, first.sign_in("m.shanwei"), SCREENS)
        b = second.run(dashboard.load_dashboard, second.sign_in("m.shanwei"), SCREENS)
        assert a == b
    finally:
        first.close()
        second.close()


def test_english_dashboard(demo):
    set_language("en")
    view = demo.run(dashboard.load_dashboard, demo.sign_in("m.shanwei"), SCREENS)
    assert [f.label for f in view.figures] == ["Available", "Frozen", "Total paid out", "Active tasks"]
    assert view.steps[0].title == "Verification and admission"
    assert view.cases[0].title.isascii()


@pytest.mark.parametrize("handle", ["m.shanwei", "c.xiaoyu", "a.yunjin", "s.lin"])
def test_every_panel_label_is_english_in_english(demo, handle):
    """Catches labels translated once at import time instead of when shown."""
    set_language("en")
    view = demo.run(dashboard.load_dashboard, demo.sign_in(handle), SCREENS)
    cjk = lambda text: any("\u4e00" <= ch <= "\u9fff" for ch in text)  # noqa: E731
    labels = [t.label for t in view.todo] + [f.label for f in view.figures] + [s.title for s in view.steps]
    labels += list(view.rec_headers)
    assert not [label for label in labels if cjk(label)]
