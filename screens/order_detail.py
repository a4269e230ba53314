"""One cooperation order (订单详情): terms, deadlines, products, timeline and the allowed actions."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Static

from screens.base import WorkScreen
from screens.orders import STYLE
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from screens.widgets.panel import Panel
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services import consequences, orders


class OrderDetailScreen(WorkScreen):
    CSS_PATH = "task_detail.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到订单列表"), id="order.back"),
        Binding("p", "pay", N_("确认并付款"), tooltip=N_("确认邀约并支付报价 (冻结至交付)"), id="order.pay"),
        Binding("x", "decline", N_("拒绝邀约"), tooltip=N_("拒绝这个邀约"), id="order.decline"),
        Binding("a", "accept", N_("接单"), tooltip=N_("接受已付款的订单"), id="order.accept"),
        Binding("s", "ship", N_("寄样"), tooltip=N_("填写样品运单号"), id="order.ship"),
        Binding("d", "schedule", N_("排期"), tooltip=N_("安排直播时间"), id="order.schedule"),
        Binding("c", "close", N_("关闭订单"), tooltip=N_("5 天内关闭, 需原因与退回运单号"), id="order.close"),
        Binding("m", "complain", N_("投诉"), tooltip=N_("投诉逾期订单"), id="order.complain"),
        Binding("f", "open_report", N_("复盘报告"), tooltip=N_("成本、GMV、ROI、是否准时与双方评价"), id="order.report"),
        Binding("r", "report_sample", N_("样品问题"), tooltip=N_("报告样品问题 (假货/破损/错发/未收到/其他)"),
                id="order.report_sample"),
        Binding("v", "merchant_profile", N_("商家主页"), tooltip=N_("查看商家的信誉与店铺"), id="order.merchant"),
    ]
    NEEDS = {"pay": "pay", "decline": "pay", "accept": "accept", "ship": "ship_sample", "schedule": "schedule",
             "close": "close", "complain": "complain"}

    def __init__(self, order_id: int) -> None:
        super().__init__()
        self.order_id = order_id
        self.detail: orders.OrderDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="task"):
            with Vertical(id="left"):
                yield Panel(_("订单"), Static(id="terms"), id="terms-panel")
                yield Panel(_("合作商品"), Static(id="products"), id="products-panel")
            yield Panel(_("时间线"), VerticalScroll(Static(id="timeline")), id="timeline-panel")
        yield Footer()

    def action_open_report(self) -> None:
        self.wb_app.action_open("report", kind="order", ref_id=self.order_id)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "open_report":   # a report exists once the order is delivered or overdue
            return self.detail is not None and self.detail.row.status in ("delivered", "overdue")
        if action == "report_sample":   # the creator, once the sample was shipped
            from workbench.services.reputation import can_report

            return self.wb_app.actor.role is Role.CREATOR and self.detail is not None and can_report(
                self.detail.row.status)
        needed = self.NEEDS.get(action)
        if needed is None:
            return True
        return self.detail is not None and needed in self.detail.actions

    def fetch(self) -> orders.OrderDetail:
        return self.wb_app.wb.run(orders.order_detail, self.wb_app.actor, self.order_id)

    def show(self, d: orders.OrderDetail) -> None:
        self.detail = d
        zone = self.wb_app.actor.zone
        r = d.row
        when = lambda t: local_time(t, zone) if t else "—"  # noqa: E731
        self.query_one("#terms-panel").border_title = _("订单 #{id}").format(id=r.id) + f" · {r.state}"
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        rows = [(_("商家"), r.merchant), (_("主播"), r.creator), (_("报价"), format_money(r.quote_cents)),
                (_("状态"), Text(r.state, style=STYLE.get(r.status, "")))]
        if d.merchant_contact:
            rows.append((_("商家联系人"), d.merchant_contact))
        if d.sample_tracking:
            rows.append((_("样品运单"), d.sample_tracking))
        if d.window_ends_at:
            rows.append((_("排期截止 (5 天)"), when(d.window_ends_at)))
        if d.live_at:
            rows.append((_("直播时间"), when(d.live_at)))
        if d.latest_delivery_at:
            rows.append((_("最晚交付"), when(d.latest_delivery_at)))
        if d.cap_at:
            rows.append((_("交付上限 (27 天)"), when(d.cap_at)))
        if r.status == "delivered":
            rows.append((_("结算给主播"), format_money(d.settled_cents)))
        if d.close_reason:
            rows.append((_("关闭原因"), _("{reason} · 退回运单 {tracking}").format(
                reason=d.close_reason, tracking=d.return_tracking)))
        if d.complaint:
            rows.append((_("投诉"), Text(d.complaint, style="magenta")))
        for label, value in rows:   # plain text: contacts, reasons and tracking numbers are typed by people
            grid.add_row(label, Text(value) if isinstance(value, str) else value)
        self.query_one("#terms", Static).update(grid)
        shown = {True: _("已讲解"), False: _("未讲解"), None: ""}
        self.query_one("#products", Static).update(
            "\n".join(f"#{pid}  {name}  {shown[s]}" for pid, name, s in d.products) or "—")
        text = Text()
        for i, (at, who, what, note) in enumerate(d.timeline):
            if i:
                text.append("\n\n")
            text.append(local_time(at, zone), style="dim").append("  ").append(who, style="bold")
            text.append("\n● ").append(what)
            if note:
                text.append(f" — {note}", style="italic")
        self.query_one("#timeline", Static).update(text)
        self.refresh_bindings()

    def _ref(self) -> orders.OrderRef:
        return orders.OrderRef(order_id=self.order_id)

    def _seen(self) -> int | None:
        """The version on screen when a confirmation opens: changed since, the action is refused
        instead of doing something other than what the confirmation said."""
        return self.detail.row.version if self.detail else None

    def action_pay(self) -> None:
        ref = orders.OrderRef(order_id=self.order_id, version=self._seen())
        self.app.push_screen(FormDialog(
            _("确认并付款?"), [], lambda _v: (orders.pay, ref),
            preview=lambda _v: (consequences.order_pay, ref), submit=_("付款")))

    def action_decline(self) -> None:
        ref = orders.OrderRef(order_id=self.order_id, version=self._seen())
        self.app.push_screen(FormDialog(
            _("拒绝这个邀约?"), [], lambda _v: (orders.decline, ref),
            preview=lambda _v: (consequences.order_decline, ref), submit=_("拒绝"), danger=True))

    def action_accept(self) -> None:
        self.wb_app.perform(orders.accept, self._ref(), done=lambda _r: self.app.notify(_("已接单")))

    def action_ship(self) -> None:
        self.app.push_screen(FormDialog(
            _("寄送样品"), [FieldSpec("tracking", _("样品运单号"))],
            lambda v: (orders.ship_sample, orders.ShipSample.parse(order_id=self.order_id, **v)),
            consequence=_("寄样后主播有 {d} 天排期或关闭订单").format(
                d=self.wb_app.wb.rules.flow_a.schedule_window_days), submit=_("确认寄样")))

    def action_schedule(self) -> None:
        self.app.push_screen(FormDialog(
            _("安排直播时间"), [FieldSpec("live_at", _("直播时间 (YYYY-MM-DD HH:MM)"))],
            lambda v: (orders.schedule, orders.Schedule.parse(order_id=self.order_id, **v)),
            note=_("不能晚于交付上限; 直播结束后自动交付并结算。"), submit=_("排期")))

    def action_close(self) -> None:
        seen = self._seen()
        self.app.push_screen(FormDialog(
            _("关闭订单?"), [FieldSpec("reason", _("关闭原因")), FieldSpec("return_tracking", _("退回样品运单号"))],
            lambda v: (orders.close, orders.CloseOrder.parse(order_id=self.order_id, version=seen, **v)),
            preview=lambda _v: (consequences.order_close, self._ref()), submit=_("关闭订单"), danger=True))

    def action_complain(self) -> None:
        self.app.push_screen(FormDialog(
            _("投诉逾期订单"), [FieldSpec("reason", _("投诉原因"))],
            lambda v: (orders.complain, orders.Complain.parse(order_id=self.order_id, **v)),
            note=_("投诉成立后主播的合作数据将受到处罚。"), submit=_("提交投诉")))

    def action_report_sample(self) -> None:
        from screens.sample_reports import report_dialog

        self.app.push_screen(report_dialog(self.order_id))

    def action_merchant_profile(self) -> None:
        self.wb_app.action_open("merchant_profile", order_id=self.order_id)
