"""Fund account: top-ups move money through balanced ledger entries, audited, by the right role."""

import json

import pytest
from sqlalchemy import func, select

from tests import factories
from workbench.domain.errors import Conflict, DomainError, Forbidden, NotFound
from workbench.services import funds
from workbench.store.models import Account, AuditEntry, Journal, Posting

pytestmark = pytest.mark.both_backends


def _ledger_balances(wb) -> None:
    with wb.uow() as uow:
        s = uow.session
        for jid in s.scalars(select(Journal.id)):
            assert s.scalar(select(func.sum(Posting.amount_cents)).where(Posting.journal_id == jid)) == 0
        for acc in s.scalars(select(Account)):
            posted = s.scalar(select(func.coalesce(func.sum(Posting.amount_cents), 0))
                              .where(Posting.account_id == acc.id))
            assert posted == acc.balance_cents


def test_online_top_up_lands_at_once_and_is_audited(wb):
    m = factories.merchant(wb)
    view = wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount="5000.00"))
    assert view.status == "confirmed"
    account = wb.run(funds.fund_account, m)
    assert account.available_cents == 500_000
    assert [mv.amount_cents for mv in account.movements] == [500_000]
    _ledger_balances(wb)
    with wb.uow() as uow:
        row = uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "funds.top_up"))
        assert row.actor_id == m.id and json.loads(row.detail)["amount"] == 500_000


def test_bank_transfer_waits_for_support_then_lands(wb):
    m, s = factories.merchant(wb), factories.support(wb)
    pending = wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount="300", method="bank", reference="ICBC-1"))
    assert pending.status == "pending"
    assert wb.run(funds.fund_account, m).available_cents == 0
    assert [t.id for t in wb.run(funds.fund_account, s).pending_reviews] == [pending.id]
    wb.run(funds.decide_top_up, s, funds.DecideTopUp.parse(top_up_id=pending.id, approve=True))
    assert wb.run(funds.fund_account, m).available_cents == 30_000
    with pytest.raises(Conflict):
        wb.run(funds.decide_top_up, s, funds.DecideTopUp.parse(top_up_id=pending.id, approve=True))
    assert wb.run(funds.fund_account, m).available_cents == 30_000
    _ledger_balances(wb)


def test_rejecting_a_transfer_needs_a_reason_and_moves_nothing(wb):
    m, s = factories.merchant(wb), factories.support(wb)
    pending = wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount="300", method="bank"))
    with pytest.raises(DomainError) as err:
        wb.run(funds.decide_top_up, s, funds.DecideTopUp.parse(top_up_id=pending.id, approve=False))
    assert err.value.field == "note"
    wb.run(funds.decide_top_up, s, funds.DecideTopUp.parse(top_up_id=pending.id, approve=False, note="凭证不符"))
    assert wb.run(funds.fund_account, m).top_ups[0].status == "rejected"
    assert wb.run(funds.fund_account, m).available_cents == 0


@pytest.mark.parametrize("amount, field", [("0", "amount"), ("-5", "amount"), ("1.001", "amount"), ("abc", "amount")])
def test_bad_amounts_name_the_field_and_write_nothing(wb, amount, field):
    m = factories.merchant(wb)
    with pytest.raises(DomainError) as err:
        wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount=amount))
    assert err.value.field == field
    assert wb.run(funds.fund_account, m).top_ups == []


def test_only_merchants_top_up_and_only_support_decides(wb):
    c, m = factories.creator(wb), factories.merchant(wb)
    with pytest.raises(Forbidden):
        wb.run(funds.top_up, c, funds.TopUpCmd.parse(amount="10"))
    pending = wb.run(funds.top_up, m, funds.TopUpCmd.parse(amount="10", method="bank"))
    with pytest.raises(Forbidden):
        wb.run(funds.decide_top_up, m, funds.DecideTopUp.parse(top_up_id=pending.id, approve=True))
    s = factories.support(wb)
    with pytest.raises(NotFound):
        wb.run(funds.decide_top_up, s, funds.DecideTopUp.parse(top_up_id=999, approve=True))


def test_a_merchant_sees_only_their_own_money(wb):
    a, b = factories.merchant(wb, "m.a"), factories.merchant(wb, "m.b")
    wb.run(funds.top_up, a, funds.TopUpCmd.parse(amount="100"))
    view_b = wb.run(funds.fund_account, b)
    assert view_b.available_cents == 0 and view_b.top_ups == [] and view_b.movements == []
