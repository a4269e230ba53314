"""Fund account (资金账户): balances, top-up form, top-ups and movements; support confirms transfers."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from screens.base import WorkScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from screens.widgets.panel import Panel
from screens.widgets.table import fill_table
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.textfile import read_text_file
from workbench.services import consequences, funds


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
        Binding("b", "bind", N_("绑定账户"), tooltip=N_("绑定或新建任务账户"), id="funds.bind"),
        Binding("i", "import", N_("导入记录"), tooltip=N_("从 CSV 文件导入充值记录"), id="funds.import"),
        Binding("c", "decide(True)", N_("确认到账"), tooltip=N_("确认选中的银行转账"), id="funds.confirm"),
        Binding("x", "decide(False)", N_("驳回"), tooltip=N_("驳回选中的银行转账"), id="funds.reject"),
    ]

    view: funds.FundView | None = None

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
        if action in ("top_up", "import"):
            return self.wb_app.actor.role is Role.MERCHANT
        if action == "bind":
            return self.wb_app.actor.role is Role.MERCHANT and (self.view is None or not self.view.task_account)
        if action == "decide":
            return support
        return True

    def fetch(self) -> funds.FundView:
        return self.wb_app.wb.run(funds.fund_account, self.wb_app.actor)

    def show(self, view: funds.FundView) -> None:
        self.view = view
        zone = self.wb_app.actor.zone
        if self.wb_app.actor.role is Role.SUPPORT:
            fill_table(
                self.query_one("#pending", DataTable),
                (_("编号"), _("商家"), _("金额"), _("转账凭证"), _("提交时间")),
                [(f"#{t.id}", t.merchant, format_money(t.amount_cents), t.reference or "—",
                  local_time(t.created_at, zone)) for t in view.pending_reviews],
                [str(t.id) for t in view.pending_reviews])
            return
        account = (Text.assemble((_("任务账户") + "  ", "dim"), view.task_account) if view.task_account
                   else Text(_("未绑定任务账户 (b 绑定)"), style="bold yellow"))
        self.query_one("#balances", Static).update(Text.assemble(
            (_("可用余额") + "  ", "dim"), (format_money(view.available_cents), "bold green"), "    ",
            (_("冻结金额") + "  ", "dim"), (format_money(view.frozen_cents), "bold yellow"), "    ", account))
        self.refresh_bindings()
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
        self.app.push_screen(top_up_dialog(self.app))

    def action_bind(self) -> None:
        self.app.push_screen(FormDialog(
            _("绑定任务账户"),
            [FieldSpec("account_no", _("已有任务账户号 (留空则新建)"), placeholder="XT20260301A")],
            lambda v: (funds.bind_task_account, funds.BindTaskAccount.parse(
                account_no=v["account_no"] or None, create=not v["account_no"])),
            note=_("任务账户即星图账号; 充值与发布任务前需要先绑定。"), submit=_("绑定")))

    def action_import(self) -> None:
        def make(values: dict[str, str]):
            text = read_text_file(values["path"])
            return funds.import_top_ups, funds.ImportTopUps.parse(
                csv_text=text, skip_errors=values["skip"] == "yes")

        def report(result: funds.ImportReport) -> None:
            lines = [_("导入 {n} 条, 拒绝 {m} 行").format(n=result.imported, m=len(result.refused))]
            lines += [_("第 {row} 行: {why}").format(row=row, why=why) for row, why in result.refused[:8]]
            if result.refused and not result.imported:
                lines.append(_("文件有错误, 未导入任何记录; 修正后重试, 或选择跳过错误行"))
            self.app.notify("\n".join(lines), title=_("导入充值记录"), timeout=15,
                            severity="warning" if result.refused else "information")

        self.app.push_screen(FormDialog(
            _("导入充值记录"),
            [FieldSpec("path", _("CSV 文件路径"), placeholder="~/充值记录.csv"),
             FieldSpec("skip", _("有错误的行"), choices=[(_("整个文件不导入"), "no"), (_("跳过错误行"), "yes")])],
            make, note=_("列: 日期, 金额, 方式 (在线支付/银行转账), 凭证号。导入的记录需平台小二对账确认后才入账。"),
            submit=_("导入"), done=report))

    def action_decide(self, approve: bool) -> None:
        table = self.query_one("#pending", DataTable)
        if table.row_count == 0 or self.view is None:
            return
        row = self.view.pending_reviews[table.cursor_row]
        self.app.push_screen(decide_dialog(row.id, row.amount_cents, approve, row.version))


def top_up_dialog(app) -> FormDialog:
    """The top-up form; an online payment is simulated inside the product and says so."""

    def done(view: funds.TopUpView) -> None:
        msg = _("已到账 {amount}") if view.status == "confirmed" else _("已提交 {amount}, 等待平台确认")
        app.notify(msg.format(amount=format_money(view.amount_cents)), title=_("充值"))

    return FormDialog(
        _("充值任务账户"),
        [FieldSpec("amount", _("金额 (元)"), placeholder="5000.00"),
         FieldSpec("method", _("方式"), choices=[(_("在线支付 (模拟)"), "online"), (_("银行转账"), "bank")]),
         FieldSpec("reference", _("转账凭证号 (银行转账时填写)"), placeholder="ICBC-…")],
        lambda v: (funds.top_up, funds.TopUpCmd.parse(**v)),
        note=_("在线支付为产品内模拟支付, 不会真实扣款; 银行转账需平台小二确认后到账。"),
        submit=_("确认充值"), done=done)


def decide_dialog(top_up_id: int, amount_cents: int, approve: bool, version: int | None = None) -> FormDialog:
    """Support staff confirm or reject one bank transfer; a rejection needs a reason."""
    title = (_("确认充值 #{id} 到账 ({amount})?") if approve else _("驳回充值 #{id} ({amount})?")).format(
        id=top_up_id, amount=format_money(amount_cents))
    return FormDialog(
        title, [FieldSpec("note", _("备注 (驳回时必填)"))],
        lambda v: (funds.decide_top_up, funds.DecideTopUp.parse(top_up_id=top_up_id, approve=approve,
                                                                            version=version, **v)),
        preview=lambda _v: (consequences.top_up_decide, consequences.DecisionPreview(top_up_id=top_up_id,
                                                                                     approve=approve)),
        submit=_("确认到账") if approve else _("驳回"), danger=not approve)
