"""Help centre articles per role, searchable in both languages; notifications are private."""

import pytest

from tests import factories
from workbench.domain.errors import NotFound
from workbench.i18n import set_language
from workbench.services import help as help_service
from workbench.services import notifications
from workbench.services.notifications import MarkRead

pytestmark = pytest.mark.both_backends


def test_articles_are_role_specific(demo):
    merchant = {a.id for a in help_service.search_help(None, demo.sign_in("m.shanwei"))}
    creator = {a.id for a in help_service.search_help(None, demo.sign_in("c.xiaoyu"))}
    assert "merchant-topup" in merchant and "merchant-topup" not in creator
    assert "general-workbench" in merchant and "general-workbench" in creator


def test_search_finds_by_chinese_and_english_words(demo):
    m = demo.sign_in("m.shanwei")
    assert any(a.id == "merchant-topup" for a in help_service.search_help(None, m, help_service.HelpQuery(query="充值")))
    set_language("en")
    found = help_service.search_help(None, m, help_service.HelpQuery(query="top up"))
    assert found and found[0].title.isascii()
    assert help_service.search_help(None, m, help_service.HelpQuery(query="没有这种词汇xyz")) == []


def test_notifications_are_private(wb):
    a, b = factories.merchant(wb, "m.a"), factories.merchant(wb, "m.b")
    s = factories.support(wb)
    from workbench.services import funds
    top = wb.run(funds.top_up, a, funds.TopUpCmd.parse(amount="10", method="bank"))
    wb.run(funds.decide_top_up, s, funds.DecideTopUp.parse(top_up_id=top.id, approve=True))
    notes = wb.run(notifications.list_notifications, a)
    assert [n.text for n in notes] == ["充值 ¥10.00 已到账"]
    assert wb.run(notifications.list_notifications, b) == []
    with pytest.raises(NotFound):
        wb.run(notifications.mark_read, b, MarkRead(ids=[notes[0].id]))
    assert wb.run(notifications.mark_read, a, MarkRead(ids=[notes[0].id])) == 1
    set_language("en")
    assert wb.run(notifications.list_notifications, a)[0].text == "Top-up of ¥10.00 has arrived"
