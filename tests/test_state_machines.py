"""Every state machine, exhaustively: from every state, every action a person can take.

For orders, tasks, stock plans, agency bindings, disputes, complaints and top-ups, a record is
built in each state through the services, then every action is tried as the role that may take
it. An action the rules allow changes the record and writes exactly one audit row; an action they
do not allow is refused with a DomainError that names the record's state in Chinese (and in
English with the English catalog), and writes nothing: the store's digest is the same after.
The tables of allowed moves come from the domain modules and are checked against DOMAIN.md.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import open_store
from workbench.bootstrap import Workbench
from workbench.domain import orders as order_rules
from workbench.domain import tasks as task_rules
from workbench.domain.errors import Conflict, DomainError
from workbench.domain.orders import OrderStatus
from workbench.domain.tasks import state_label
from workbench.i18n import set_language
from workbench.services import agency, disputes, funds, orders, selection, stock, tasks, transitions, users
from workbench.services.base import SYSTEM, Actor
from workbench.store.engine import checkpoint
from workbench.store.models import AuditEntry, CoopOrder, CreatorBinding, Dispute, LiveTask, StockPlan

TZ = ZoneInfo("Asia/Shanghai")
CJK = re.compile(r"[\u4e00-\u9fff]")

# ---- the tables of DOMAIN.md, written out by hand ---------------------------------------------

# Flow A (seeds 000, 001): invited → paid (merchant pays) or declined; paid → accepted (creator);
# accepted → sample shipped (merchant); within 5 days the creator schedules or closes, otherwise
# auto-confirmed; a confirmed order can still be scheduled; scheduled/confirmed orders are
# delivered when the live ends or go overdue; a complaint is filed about an overdue order.
DOMAIN_ORDERS = {
    "pay": {"invited"}, "decline": {"invited"}, "accept": {"paid"}, "ship_sample": {"accepted"},
    "schedule": {"sample_shipped", "confirmed"}, "close": {"sample_shipped"}, "auto_confirm": {"sample_shipped"},
    "deliver": {"scheduled", "confirmed"}, "overdue": {"scheduled", "confirmed"}, "complain": {"overdue"},
}
# Flow B (seed 003): pending → in progress (accept) or cancelled (reject, time-out, merchant cancel);
# in progress: waiting for air → live → awaiting the check → completed; the merchant may cancel
# before acceptance and at any point in progress; the creator cancels before the live; a dispute
# is ruled by support staff.
WAITING, LIVE, CHECK = ("in_progress", "waiting_air"), ("in_progress", "live"), ("in_progress", "awaiting_check")
PENDING = ("pending", "")
DOMAIN_TASKS = {
    "accept": {PENDING}, "reject": {PENDING}, "time_out": {PENDING}, "go_live": {WAITING}, "end_live": {LIVE},
    "check": {CHECK}, "creator_cancel": {WAITING}, "merchant_cancel": {PENDING, WAITING, LIVE, CHECK},
    "rule": {("disputed", "")},
}


def test_the_order_table_is_the_one_of_domain_md():
    assert {a: {s.value for s in states} for a, states in order_rules.ALLOWED.items()} == DOMAIN_ORDERS


def test_the_task_table_is_the_one_of_domain_md():
    assert {a: {(s.value, sub.value) for s, sub in states} for a, states in task_rules.ALLOWED.items()} == DOMAIN_TASKS
    for action, starts in task_rules.ALLOWED.items():
        for status, sub in starts:
            assert sub in task_rules.SUBS_OF[status], (action, status, sub)


ORDER_STATES = list(OrderStatus)
TASK_STATES = [(s, sub) for s, subs in task_rules.SUBS_OF.items() for sub in subs]


@pytest.mark.parametrize("action", sorted(order_rules.ALLOWED))
@pytest.mark.parametrize("status", ORDER_STATES, ids=str)
def test_the_order_rule_allows_exactly_its_table(status, action):
    if status in order_rules.ALLOWED[action]:
        order_rules.check_allowed(action, status)
        return
    with pytest.raises(Conflict) as err:
        order_rules.check_allowed(action, status)
    assert f"「{status.label}」" in err.value.message and status.value not in err.value.message
    set_language("en")
    with pytest.raises(Conflict) as err:
        order_rules.check_allowed(action, status)
    assert not CJK.search(err.value.message) and status.label in err.value.message


@pytest.mark.parametrize("action", sorted(task_rules.ALLOWED))
@pytest.mark.parametrize("state", TASK_STATES, ids=lambda s: f"{s[0].value}/{s[1].value or '-'}")
def test_the_task_rule_allows_exactly_its_table(state, action):
    status, sub = state
    if state in task_rules.ALLOWED[action]:
        task_rules.check_allowed(action, status, sub)
        return
    with pytest.raises(Conflict) as err:
        task_rules.check_allowed(action, status, sub)
    assert f"「{state_label(status, sub)}」" in err.value.message
    set_language("en")
    with pytest.raises(Conflict) as err:
        task_rules.check_allowed(action, status, sub)
    assert not CJK.search(err.value.message) and state_label(status, sub) in err.value.message


# ---- the services, from every state -------------------------------------------------------------

@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with a merchant (with money), a creator with a slot fee, a quote and two products in
    their exclusive pool, a second merchant, support staff and a registered agency."""
    path = tmp_path_factory.mktemp("machines") / "store.db"
    wb = open_store(path)
    m = factories.merchant(wb, "m.sm", balance="100000")
    c = factories.creator(wb, "c.sm", quote="1000")
    factories.support(wb, "s.sm")
    wb.run(users.register, SYSTEM, users.RegisterAgency.parse(
        handle="ag.sm", name="机构", kind="mcn", registered=True, verified=True))
    for name in ("面霜", "精华"):
        p = factories.product(wb, m, name)
        wb.run(selection.submit_to_pool, m, selection.SubmitToPool.parse(
            product_id=p.id, creator_id=c.id, daily_price="99", live_price="79", commission_rate="20%"))
    wb.run(selection.publish_quote, c, selection.PublishQuote.parse(quote="800"))
    checkpoint(wb.engine)
    wb.close()
    return path


@dataclass
class World:
    wb: Workbench
    path: Path
    m: Actor
    c: Actor
    s: Actor
    ag: Actor

    def local(self, **delta: float) -> str:
        return (self.wb.clock.now() + timedelta(**delta)).astimezone(TZ).strftime("%Y-%m-%d %H:%M")

    def digest(self) -> str:
        """A hash of every row of every table: equal digests, nothing written."""
        h = hashlib.sha256()
        conn = sqlite3.connect(self.path)
        try:
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
                h.update(name.encode())
                for row in sorted(conn.execute(f'SELECT * FROM "{name}"'), key=repr):
                    h.update(repr(row).encode())
        finally:
            conn.close()
        return h.hexdigest()

    def audit_rows(self, entity: str | None = None, entity_id: int | None = None) -> int:
        with self.wb.uow(read_only=True) as uow:
            stmt = select(func.count()).select_from(AuditEntry)
            if entity is not None:
                stmt = stmt.where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            return uow.session.scalar(stmt)

    def get(self, model, rid: int):
        with self.wb.uow(read_only=True) as uow:
            row = uow.session.get(model, rid)
            uow.session.expunge(row)
            return row


@pytest.fixture
def world(prepared: Path, tmp_path: Path) -> Iterator[Callable[[], World]]:
    """Fresh copies of the prepared store, as many as a test needs."""
    opened: list[Workbench] = []

    def make() -> World:
        path = tmp_path / f"store-{len(opened)}.db"
        shutil.copy(prepared, path)
        wb = open_store(path)
        opened.append(wb)
        return World(wb, path, *(wb.sign_in(h) for h in ("m.sm", "c.sm", "s.sm", "ag.sm")))

    yield make
    for wb in opened:
        wb.close()


def refused(w: World, attempt: Callable[[], object], label_zh: Callable[[], str]) -> DomainError:
    """The attempt is refused naming the state, in Chinese and in English, and writes nothing."""
    before = w.digest()
    with pytest.raises(DomainError) as err:
        attempt()
    zh = err.value.message
    assert label_zh() in zh and CJK.search(zh), zh
    assert not re.search(r"\b(invited|paid|accepted|sample_shipped|scheduled|confirmed|delivered|overdue|pending|"
                         r"in_progress|waiting_air|awaiting_check|disputed|cancelled|submitted|approved)\b", zh), zh
    set_language("en")
    try:
        with pytest.raises(DomainError) as err_en:
            attempt()
        en = err_en.value.message
        assert not CJK.search(en) and label_zh() in en, en
    finally:
        set_language("zh")
    assert w.digest() == before
    return err.value


# ---- orders -----------------------------------------------------------------------------------

ORDER_PATH = {
    "invited": [], "declined": ["decline"], "paid": ["pay"], "accepted": ["pay", "accept"],
    "sample_shipped": ["pay", "accept", "ship_sample"],
    "scheduled": ["pay", "accept", "ship_sample", "schedule"],
    "confirmed": ["pay", "accept", "ship_sample", "auto_confirm"],
    "delivered": ["pay", "accept", "ship_sample", "schedule", "deliver"],
    "closed": ["pay", "accept", "ship_sample", "close"],
    "overdue": ["pay", "accept", "ship_sample", "schedule", "overdue"],
}
ORDER_ACTIONS = ("pay", "decline", "accept", "ship_sample", "schedule", "close", "complain")   # what people do
AUTOMATIC = ("auto_confirm", "deliver", "overdue")                                            # what happens


def order_do(w: World, oid: int, action: str) -> None:
    ref = orders.OrderRef(order_id=oid)
    if action == "pay":
        w.wb.run(orders.pay, w.m, ref)
    elif action == "decline":
        w.wb.run(orders.decline, w.m, ref)
    elif action == "accept":
        w.wb.run(orders.accept, w.c, ref)
    elif action == "ship_sample":
        w.wb.run(orders.ship_sample, w.m, orders.ShipSample.parse(order_id=oid, tracking="SF123"))
    elif action == "schedule":
        w.wb.run(orders.schedule, w.c, orders.Schedule(order_id=oid, live_at=w.local(days=1)))
    elif action == "close":
        w.wb.run(orders.close, w.c, orders.CloseOrder.parse(order_id=oid, reason="样品破损", return_tracking="SF9"))
    elif action == "complain":
        w.wb.run(orders.complain, w.m, orders.Complain(order_id=oid, reason="逾期未播"))
    elif action == "auto_confirm":
        w.wb.clock.advance(days=5, minutes=1)
        w.wb.run(transitions.apply_due, SYSTEM)
    elif action == "overdue":
        w.wb.clock.at = w.get(CoopOrder, oid).latest_delivery_at + timedelta(minutes=1)
        w.wb.run(transitions.apply_due, SYSTEM)
    elif action == "deliver":
        live(w, shown_all=True)
    else:
        raise AssertionError(action)


def live(w: World, shown_all: bool) -> None:
    """The creator goes live with both exclusive products and ends the live."""
    products = sorted(p.product_id for p in w.wb.run(selection.exclusive_pool, w.c))
    plan = w.wb.run(stock.submit_plan, w.c, stock.SubmitPlan(live_at=w.local(hours=1), product_ids=products))
    w.wb.run(stock.review_plan, w.s, stock.ReviewPlan(plan_id=plan, approve=True))
    w.wb.run(stock.start_live, w.c, stock.PlanRef(plan_id=plan))
    w.wb.run(stock.end_live, w.c, stock.EndLive(plan_id=plan, shown_product_ids=products if shown_all else []))


def order_in(w: World, status: str) -> int:
    items = [i.id for i in w.wb.run(selection.exclusive_pool, w.c)]
    oid = w.wb.run(orders.invite, w.c, orders.Invite(item_ids=items))
    for action in ORDER_PATH[status]:
        order_do(w, oid, action)
    assert w.get(CoopOrder, oid).status == status
    return oid


@pytest.mark.parametrize("status", ORDER_STATES, ids=str)
def test_every_order_action_from_every_state(world, status):
    w = world()
    oid = order_in(w, status)
    allowed = [a for a in ORDER_ACTIONS if status in order_rules.ALLOWED[a]]
    for action in ORDER_ACTIONS:
        if action in allowed:
            continue
        err = refused(w, lambda: order_do(w, oid, action), lambda: OrderStatus(status).label)
        assert isinstance(err, Conflict) and err.field == "order", (action, err)
    for action in allowed:   # each on a fresh order in the same state
        w2 = world()
        oid2 = order_in(w2, status)
        mine, everyone = w2.audit_rows("order", oid2), w2.audit_rows()
        order_do(w2, oid2, action)
        after = w2.get(CoopOrder, oid2)
        assert w2.audit_rows("order", oid2) == mine + 1 and w2.audit_rows() == everyone + 1, action
        assert after.status != status or action == "complain"


def test_a_second_complaint_about_the_same_order_is_refused(world):
    w = world()
    oid = order_in(w, "overdue")
    order_do(w, oid, "complain")
    before = w.digest()
    with pytest.raises(Conflict) as err:
        order_do(w, oid, "complain")
    assert "已投诉" in err.value.message and w.digest() == before


@pytest.mark.parametrize("status", ORDER_STATES, ids=str)
def test_time_moves_only_the_orders_the_rules_let_it(world, status):
    """Forty days later the sweep auto-confirms a shipped order and then marks it overdue, marks
    scheduled and confirmed orders overdue, one audit row per change, and leaves the rest alone."""
    w = world()
    oid = order_in(w, status)
    mine = w.audit_rows("order", oid)
    w.wb.clock.advance(days=40)
    w.wb.run(transitions.apply_due, SYSTEM)
    changes = {"sample_shipped": ("overdue", 2), "scheduled": ("overdue", 1), "confirmed": ("overdue", 1)}
    want, rows = changes.get(status, (status, 0))
    assert (w.get(CoopOrder, oid).status, w.audit_rows("order", oid) - mine) == (want, rows)
    before = w.digest()
    w.wb.run(transitions.apply_due, SYSTEM)
    assert w.digest() == before


@pytest.mark.parametrize("status", ORDER_STATES, ids=str)
def test_a_live_ending_delivers_only_scheduled_and_confirmed_orders(world, status):
    w = world()
    oid = order_in(w, status)
    mine = w.audit_rows("order", oid)
    live(w, shown_all=True)
    delivered = status in order_rules.ALLOWED["deliver"]
    assert w.get(CoopOrder, oid).status == ("delivered" if delivered else status)
    assert w.audit_rows("order", oid) - mine == (1 if delivered else 0)


# ---- live tasks ---------------------------------------------------------------------------------

TASK_PATH = {
    PENDING: [], WAITING: ["accept"], LIVE: ["accept", "go_live"], CHECK: ["accept", "go_live", "end_live"],
    ("completed", ""): ["accept", "go_live", "end_live", "check"],
    ("cancelled", "creator_rejected"): ["reject"],
    ("cancelled", "creator_cancelled"): ["accept", "creator_cancel"],
    ("cancelled", "merchant_cancelled"): ["merchant_cancel"],
    ("cancelled", "timed_out"): ["time_out"],
    ("disputed", ""): ["accept", "merchant_cancel"],   # five days before the air date: a dispute
}
TASK_ACTIONS = ("accept", "reject", "go_live", "end_live", "check", "creator_cancel", "merchant_cancel", "rule")


def task_do(w: World, tid: int, action: str) -> None:
    ref = tasks.TaskRef(task_id=tid)
    if action == "accept":
        w.wb.run(tasks.accept_task, w.c, ref)
    elif action == "reject":
        w.wb.run(tasks.reject_task, w.c, tasks.Reasoned(task_id=tid, reason="档期冲突"))
    elif action == "go_live":
        w.wb.run(tasks.go_live, w.c, ref)
    elif action == "end_live":
        w.wb.run(tasks.end_live, w.c, ref)
    elif action == "check":
        w.wb.run(tasks.check_task, w.m, ref)
    elif action == "creator_cancel":
        w.wb.run(tasks.cancel_task, w.c, tasks.CancelTask(task_id=tid, reason="生病"))
    elif action == "merchant_cancel":
        w.wb.run(tasks.cancel_task, w.m, tasks.CancelTask(task_id=tid, reason="计划有变"))
    elif action == "time_out":
        w.wb.clock.advance(hours=w.wb.rules.flow_b.acceptance_timeout_hours, minutes=1)
        w.wb.run(transitions.apply_due, SYSTEM)
    elif action == "rule":
        with w.wb.uow(read_only=True) as uow:
            dispute = uow.session.scalar(select(Dispute.id).where(Dispute.task_id == tid))
        w.wb.run(disputes.rule_dispute, w.s, disputes.RuleDispute(dispute_id=dispute, compensation="500",
                                                                  reason="各担一半"))
    else:
        raise AssertionError(action)


def task_in(w: World, state: tuple[str, str]) -> int:
    p = next(iter(w.wb.run(selection.exclusive_pool, w.c))).product_id
    tid = w.wb.run(tasks.publish_task, w.m, tasks.PublishTask.parse(
        creator_id=w.c.id, contact_name="王敏", contact_phone="13800001234", air_at=w.local(days=5), hours=2,
        product_ids=[p]))
    for action in TASK_PATH[state]:
        task_do(w, tid, action)
    t = w.get(LiveTask, tid)
    assert (t.status, t.sub_status) == state
    return tid


def has_dispute(w: World, tid: int) -> bool:
    with w.wb.uow(read_only=True) as uow:
        return uow.session.scalar(select(Dispute.id).where(Dispute.task_id == tid)) is not None


@pytest.mark.parametrize("state", TASK_STATES, ids=lambda s: f"{s[0].value}/{s[1].value or '-'}")
def test_every_task_action_from_every_state(world, state):
    state = (state[0].value, state[1].value)
    w = world()
    tid = task_in(w, state)
    allowed = [a for a in TASK_ACTIONS if state in {(s.value, sub.value) for s, sub in task_rules.ALLOWED[a]}]
    for action in TASK_ACTIONS:
        if action in allowed or (action == "rule" and not has_dispute(w, tid)):
            continue   # support staff rule on disputes; a task that never had one offers nothing to rule
        err = refused(w, lambda: task_do(w, tid, action), lambda: state_label(*state))
        assert isinstance(err, Conflict) and err.field == "task", (action, err)
    for action in allowed:
        w2 = world()
        tid2 = task_in(w2, state)
        mine, everyone = w2.audit_rows("task", tid2), w2.audit_rows()
        task_do(w2, tid2, action)
        after = w2.get(LiveTask, tid2)
        assert w2.audit_rows("task", tid2) == mine + 1 and w2.audit_rows() == everyone + 1, action
        assert (after.status, after.sub_status) != state, action


def test_a_ruled_dispute_cannot_be_ruled_again(world):
    w = world()
    tid = task_in(w, ("disputed", ""))
    task_do(w, tid, "rule")
    assert (w.get(LiveTask, tid).status, w.get(LiveTask, tid).sub_status) == ("cancelled", "merchant_cancelled")
    before = w.digest()
    with pytest.raises(Conflict) as err:
        task_do(w, tid, "rule")
    assert err.value.message == "争议已裁决" and w.digest() == before


@pytest.mark.parametrize("state", TASK_STATES, ids=lambda s: f"{s[0].value}/{s[1].value or '-'}")
def test_time_moves_only_pending_tasks(world, state):
    """Long after the acceptance timeout, the sweep cancels a pending task and nothing else."""
    state = (state[0].value, state[1].value)
    w = world()
    tid = task_in(w, state)
    mine = w.audit_rows("task", tid)
    w.wb.clock.advance(days=30)
    w.wb.run(transitions.apply_due, SYSTEM)
    t = w.get(LiveTask, tid)
    if state == PENDING:
        assert ((t.status, t.sub_status), w.audit_rows("task", tid) - mine) == (("cancelled", "timed_out"), 1)
    else:
        assert ((t.status, t.sub_status), w.audit_rows("task", tid) - mine) == (state, 0)


# ---- stock plans --------------------------------------------------------------------------------

PLAN_ALLOWED = {"revoke": {"submitted"}, "approve": {"submitted"}, "reject": {"submitted"},
                "start_live": {"approved"}, "end_live": {"live"}}
PLAN_PATH = {"submitted": [], "revoked": ["revoke"], "approved": ["approve"], "rejected": ["reject"],
             "live": ["approve", "start_live"], "ended": ["approve", "start_live", "end_live"]}


def plan_do(w: World, plan: int, action: str) -> None:
    if action == "revoke":
        w.wb.run(stock.revoke_plan, w.c, stock.PlanRef(plan_id=plan))
    elif action in ("approve", "reject"):
        w.wb.run(stock.review_plan, w.s, stock.ReviewPlan(plan_id=plan, approve=action == "approve", reason="商品不符"))
    elif action == "start_live":
        w.wb.run(stock.start_live, w.c, stock.PlanRef(plan_id=plan))
    else:
        w.wb.run(stock.end_live, w.c, stock.EndLive(plan_id=plan, shown_product_ids=[]))


@pytest.mark.parametrize("status", list(PLAN_PATH))
def test_every_stock_plan_action_from_every_state(world, status):
    def plan_in(w: World) -> int:
        products = sorted(p.product_id for p in w.wb.run(selection.exclusive_pool, w.c))
        plan = w.wb.run(stock.submit_plan, w.c, stock.SubmitPlan(live_at=w.local(hours=3), product_ids=products))
        for action in PLAN_PATH[status]:
            plan_do(w, plan, action)
        assert w.get(StockPlan, plan).status == status
        return plan

    w = world()
    plan = plan_in(w)
    for action, starts in PLAN_ALLOWED.items():
        if status in starts:
            w2 = world()
            plan2 = plan_in(w2)
            mine = w2.audit_rows("stock_plan", plan2)
            plan_do(w2, plan2, action)
            assert w2.audit_rows("stock_plan", plan2) == mine + 1 and w2.get(StockPlan, plan2).status != status
        else:
            refused(w, lambda: plan_do(w, plan, action), lambda: stock.status_label(status))


# ---- agency bindings, top-ups and complaints: answered once ------------------------------------

BINDING_ALLOWED = {"accept": {"invited"}, "decline": {"invited"}, "set_split": {"invited", "active"},
                   "end": {"active"}}
BINDING_PATH = {"invited": [], "active": ["accept"], "declined": ["decline"], "ended": ["accept", "end"]}


def binding_do(w: World, bid: int, action: str) -> None:
    if action in ("accept", "decline"):
        w.wb.run(agency.answer_creator_binding, w.c, agency.Answer(binding_id=bid, accept=action == "accept"))
    elif action == "set_split":
        w.wb.run(agency.set_split, w.ag, agency.SetSplit.parse(binding_id=bid, creator_share="50%"))
    else:
        w.wb.run(agency.end_creator_binding, w.ag, agency.BindingRef(binding_id=bid))


@pytest.mark.parametrize("status", list(BINDING_PATH))
def test_every_binding_action_from_every_state(world, status):
    def binding_in(w: World) -> int:
        bid = w.wb.run(agency.invite_creator, w.ag, agency.InviteCreator.parse(creator_id=w.c.id, creator_share="60%"))
        for action in BINDING_PATH[status]:
            binding_do(w, bid, action)
        assert w.get(CreatorBinding, bid).status == status
        return bid

    w = world()
    bid = binding_in(w)
    for action, starts in BINDING_ALLOWED.items():
        if status in starts:
            w2 = world()
            bid2 = binding_in(w2)
            mine = w2.audit_rows("creator_binding", bid2)
            binding_do(w2, bid2, action)
            assert w2.audit_rows("creator_binding", bid2) == mine + 1
        else:
            before = w.digest()
            with pytest.raises(Conflict) as err:
                binding_do(w, bid, action)
            assert CJK.search(err.value.message) and err.value.field == "binding_id"
            set_language("en")
            with pytest.raises(Conflict) as err:
                binding_do(w, bid, action)
            set_language("zh")
            assert not CJK.search(err.value.message)
            assert w.digest() == before


@pytest.mark.parametrize("approve", [True, False])
def test_a_bank_transfer_is_decided_once(world, approve):
    w = world()
    view = w.wb.run(funds.top_up, w.m, funds.TopUpCmd.parse(amount="500", method="bank", reference="B1"))
    mine = w.audit_rows("top_up", view.id)
    w.wb.run(funds.decide_top_up, w.s, funds.DecideTopUp(top_up_id=view.id, approve=approve, note="查无此款"))
    assert w.audit_rows("top_up", view.id) == mine + 1
    for again in (True, False):
        before = w.digest()
        with pytest.raises(Conflict) as err:
            w.wb.run(funds.decide_top_up, w.s, funds.DecideTopUp(top_up_id=view.id, approve=again, note="再来"))
        assert err.value.message == "这笔充值已处理" and w.digest() == before


@pytest.mark.parametrize("upheld", [True, False])
def test_a_complaint_is_ruled_once(world, upheld):
    w = world()
    oid = order_in(w, "overdue")
    order_do(w, oid, "complain")
    (row,) = w.wb.run(orders.complaints, w.s)
    mine = w.audit_rows("order", oid)
    w.wb.run(orders.rule_complaint, w.s, orders.RuleComplaint(complaint_id=row.id, upheld=upheld, reason="核实"))
    assert w.audit_rows("order", oid) == mine + 1
    before = w.digest()
    with pytest.raises(Conflict) as err:
        w.wb.run(orders.rule_complaint, w.s, orders.RuleComplaint(complaint_id=row.id, upheld=True, reason="再来"))
    assert err.value.message == "投诉已处理" and w.digest() == before


# ---- deadlines hold even before the sweep has applied them --------------------------------------

def test_a_task_past_its_acceptance_timeout_cannot_be_accepted_before_the_sweep_runs(world):
    w = world()
    tid = task_in(w, PENDING)
    w.wb.clock.advance(hours=w.wb.rules.flow_b.acceptance_timeout_hours)
    before = w.digest()
    with pytest.raises(DomainError) as err:
        task_do(w, tid, "accept")
    assert "72 小时内未接单" in err.value.message and w.digest() == before
    w.wb.run(transitions.apply_due, SYSTEM)
    assert (w.get(LiveTask, tid).status, w.get(LiveTask, tid).sub_status) == ("cancelled", "timed_out")


def test_a_live_ending_after_the_latest_delivery_time_does_not_deliver(world):
    """The order is overdue (refunded at the next sweep), not delivered late."""
    w = world()
    oid = order_in(w, "scheduled")
    w.wb.clock.at = w.get(CoopOrder, oid).latest_delivery_at
    live(w, shown_all=True)
    assert w.get(CoopOrder, oid).status == "scheduled"
    w.wb.run(transitions.apply_due, SYSTEM)
    assert w.get(CoopOrder, oid).status == "overdue"
    assert w.wb.run(funds.fund_account, w.m).available_cents == 100_000_00


def test_scheduling_an_auto_confirmed_order_never_moves_its_latest_delivery_later(world):
    w = world()
    oid = order_in(w, "confirmed")
    latest = w.get(CoopOrder, oid).latest_delivery_at
    too_late = (latest + timedelta(hours=1)).astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    before = w.digest()
    with pytest.raises(DomainError) as err:
        w.wb.run(orders.schedule, w.c, orders.Schedule(order_id=oid, live_at=too_late))
    assert err.value.field == "live_at" and "最晚交付时间" in err.value.message and w.digest() == before
    in_time = (latest - timedelta(hours=2)).astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    w.wb.run(orders.schedule, w.c, orders.Schedule(order_id=oid, live_at=in_time))
    assert w.get(CoopOrder, oid).latest_delivery_at == latest
