"""Fund account (资金账户): balances, top-up form, top-ups and movements; support confirms transfers."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Static

from screens.base import Dialog, WorkScreen
from screens.widgets.form import FieldSpec, Form
from screens.widgets.panel import Panel
from screens.widgets.table import fill_table
from workbench.domain.errors import DomainError
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services import funds


def _status(status: str) -> Text:
    label, style = {
        "pending": (_("待确认"), "yellow"),
        "confirmed": (_("已到账"), "green"),
        "rejected": (_("已驳回"), "red"),
    }[status]
    return Text(label, style=style)


def _method(method: str) -> str:
    return _("在线支付") if method == "online" else _("银行转账")


class FundsScreen(WorkScreen):
    CSS_PATH = "funds.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="funds.back"),
        Binding("t", "top_up", N_("充值"), tooltip=N_("为任务账户充值"), id="funds.top_up"),
        Binding("c", "decide(True)", N_("确认到账"), tooltip=N_("确认选中的银行转账"), id="funds.confirm"),
        Binding("x", "decide(False)", N_("驳回"), tooltip=N_("驳回选中的银行转账"), id="funds.reject"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        support = self.wb_app.actor.role is Role.SUPPORT
        with Vertical(id="funds"):
            if support:
                yield Panel(_("待确认的银行转账"), DataTable(id="pending", cursor_type="row"),
                            id="pending-panel", more=_("c 确认到账 · x 驳回"))
            else:
                yield Static(id="balances")
                yield Panel(_("充值记录"), DataTable(id="top-ups", cursor_type="row"), id="top-ups-panel",
                            more=_("t 充值"))
                yield Panel(_("资金流水"), DataTable(id="moves", cursor_type="row"), id="moves-panel")
        yield Footer()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        support = self.wb_app.actor.role is Role.SUPPORT
        if action == "top_up":
            return self.wb_app.actor.role is Role.MERCHANT
        if action == "decide":
            return support
        return True

    def fetch(self) -> funds.FundView:
        return self.wb_app.wb.run(funds.fund_account, self.wb_app.actor)

    def show(self, view: funds.FundView) -> None:
        zone = self.wb_app.actor.zone
        if self.wb_app.actor.role is Role.SUPPORT:
            fill_table(
                self.query_one("#pending", DataTable),
                (_("编号"), _("商家"), _("金额"), _("转账凭证"), _("提交时间")),
                [(f"#{t.id}", t.merchant, format_money(t.amount_cents), t.reference or "—",
                  local_time(t.created_at, zone)) for t in view.pending_reviews],
                [str(t.id) for t in view.pending_reviews])
            return
        self.query_one("#balances", Static).update(Text.assemble(
            (_("可用余额") + "  ", "dim"), (format_money(view.available_cents), "bold green"), "      ",
            (_("冻结金额") + "  ", "dim"), (format_money(view.frozen_cents), "bold yellow")))
        fill_table(
            self.query_one("#top-ups", DataTable),
            (_("时间"), _("方式"), _("金额"), _("状态"), _("凭证")),
            [(local_time(t.created_at, zone), _method(t.method), format_money(t.amount_cents),
              _status(t.status), t.reference or "—") for t in view.top_ups],
            [str(t.id) for t in view.top_ups])
        fill_table(
            self.query_one("#moves", DataTable),
            (_("时间"), _("摘要"), _("账户"), _("金额"), _("备注")),
            [(local_time(m.at, zone), m.title, m.account,
              Text(format_money(m.amount_cents, sign=True), style="green" if m.amount_cents > 0 else "red"),
              m.memo or "") for m in view.movements])

    # ---- actions -----------------------------------------------------------------------------

    def action_top_up(self) -> None:
        self.app.push_screen(TopUpDialog())

    def action_decide(self, approve: bool) -> None:
        table = self.query_one("#pending", DataTable)
        if table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.app.push_screen(DecideDialog(int(key), approve))


class TopUpDialog(Dialog):
    """The top-up form; an online payment is simulated inside the product and says so."""

    CSS_PATH = "funds.tcss"
    BINDINGS = [Binding("escape", "dismiss", N_("取消"), id="top_up.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(_("充值任务账户"), classes="title")
            yield Static(_("在线支付为产品内模拟支付, 不会真实扣款; 银行转账需平台小二确认后到账。"),
                         classes="muted")
            yield Form([
                FieldSpec("amount", _("金额 (元)"), placeholder="5000.00"),
                FieldSpec("method", _("方式"), choices=[(_("在线支付 (模拟)"), "online"), (_("银行转账"), "bank")]),
                FieldSpec("reference", _("转账凭证号 (银行转账时填写)"), placeholder="ICBC-…"),
            ])
            with Horizontal(classes="buttons"):
                yield Button(_("确认充值"), variant="primary", id="submit", compact=True)
                yield Button(_("取消"), id="cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss()
            return
        self._submit()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self._submit()

    def _submit(self) -> None:
        form = self.query_one(Form)
        try:
            cmd = funds.TopUpCmd.parse(**form.values())
        except DomainError as exc:
            form.show_error(exc.field, exc.message)
            return
        self.app.perform(funds.top_up, cmd, done=self._done,
                         failed=lambda exc: form.show_error(exc.field, exc.message))

    def _done(self, view: funds.TopUpView) -> None:
        msg = _("已到账 {amount}") if view.status == "confirmed" else _("已提交 {amount}, 等待平台确认")
        self.app.notify(msg.format(amount=format_money(view.amount_cents)), title=_("充值"))
        self.dismiss()


class DecideDialog(Dialog):
    """Support staff confirm or reject one bank transfer; a rejection needs a reason."""

    CSS_PATH = "funds.tcss"
    BINDINGS = [Binding("escape", "dismiss", N_("取消"), id="decide.cancel")]

    def __init__(self, top_up_id: int, approve: bool) -> None:
        super().__init__()
        self.top_up_id = top_up_id
        self.approve = approve

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            title = _("确认充值 #{id} 到账?") if self.approve else _("驳回充值 #{id}?")
            yield Label(title.format(id=self.top_up_id), classes="title")
            yield Form([FieldSpec("note", _("备注 (驳回时必填)"))])
            with Horizontal(classes="buttons"):
                yield Button(_("确认") if self.approve else _("驳回"),
                             variant="primary" if self.approve else "error", id="submit", compact=True)
                yield Button(_("取消"), id="cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss()
            return
        form = self.query_one(Form)
        cmd = funds.DecideTopUp.parse(top_up_id=self.top_up_id, approve=self.approve, **form.values())
        self.app.perform(funds.decide_top_up, cmd, done=lambda _v: self.dismiss(),
                         failed=lambda exc: form.show_error(exc.field, exc.message))
