"""The exclusive pool (专属货品池): a creator sees what merchants submitted to them alone, publishes a
quote and invites; a merchant sees what they submitted and submits more."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from screens.base import TableScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from workbench.domain.formatting import count, local_time
from workbench.domain.money import format_money, format_rate
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services import orders, selection


class ExclusivePoolScreen(TableScreen):
    TITLE_TEXT = N_("专属货品池")
    HINT = N_("空格 选择 · i 邀约 · q 报价")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="pool.back"),
        Binding("space", "mark", N_("选择"), tooltip=N_("选择要邀约的商品"), id="pool.mark"),
        Binding("i", "invite", N_("邀约"), tooltip=N_("用当前报价邀约选中的商品"), id="pool.invite"),
        Binding("q", "quote", N_("报价"), tooltip=N_("在官方活动下发布报价"), id="pool.quote"),
        Binding("n", "submit", N_("提报商品"), tooltip=N_("把商品提报到某位主播的专属货品池"), id="pool.submit"),
        Binding("m", "merchant_profile", N_("商家主页"), tooltip=N_("查看该商品的商家的信誉与店铺"), id="pool.merchant"),
    ]

    def __init__(self, status: str | None = None, product_id: int | None = None,
                 creator_id: int | None = None) -> None:
        super().__init__(status)
        self.marked: set[int] = set()
        self.quote: selection.QuoteView | None = None
        self.prefill = (product_id, creator_id)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        role = self.wb_app.actor.role
        if action in ("mark", "invite", "quote"):
            return role is Role.CREATOR
        if action == "submit":
            return role is Role.MERCHANT
        if action == "merchant_profile":
            return role is not Role.MERCHANT
        return True

    def action_merchant_profile(self) -> None:
        item = self.current()
        if item is not None:
            self.wb_app.action_open("merchant_profile", item_id=item.id)

    def on_mount(self) -> None:   # the base classes' on_mount (the first load) runs after this one
        if self.wb_app.actor.role is Role.MERCHANT:
            self.query_one("#table-panel").border_subtitle = _("n 提报商品")
            if self.prefill[0]:
                self.action_submit()

    def fetch(self):
        wb, actor = self.wb_app.wb, self.wb_app.actor
        quote = wb.run(selection.current_quote, actor) if actor.role is Role.CREATOR else None
        return quote, wb.run(selection.exclusive_pool, actor)

    def show(self, data) -> None:
        self.quote, rows = data
        super().show(rows)
        if self.wb_app.actor.role is Role.CREATOR:
            q = (_("当前报价 {amount} ({activity})").format(amount=format_money(self.quote.amount_cents),
                                                         activity=self.quote.activity)
                 if self.quote else _("尚未报价 (q 发布)"))
            self.query_one("#table-panel").border_title = _("专属货品池") + f" ({len(rows)}) · " + q

    def columns(self) -> tuple[str, ...]:
        who = _("商家") if self.wb_app.actor.role is not Role.MERCHANT else _("主播")
        return ("", _("商品"), who, _("日常价"), _("直播参考价"), _("月销"), _("佣金 (给该主播)"), _("提报时间"))

    def cells(self, v: selection.ExclusiveView) -> tuple:
        mark = Text("✓", style="bold green") if v.id in self.marked else Text(" ")
        who = v.merchant if self.wb_app.actor.role is not Role.MERCHANT else v.creator
        return (mark, v.product, who, format_money(v.daily_price_cents), format_money(v.live_price_cents),
                count(v.sales), format_rate(v.commission_rate), local_time(v.submitted_at, self.wb_app.actor.zone))

    def action_mark(self) -> None:
        v = self.current()
        if v is None:
            return
        self.marked ^= {v.id}
        self.show((self.quote, self.rows))

    def action_invite(self) -> None:
        ids = sorted(self.marked) or ([self.current().id] if self.current() else [])
        if not ids:
            return
        names = "、".join(v.product for v in self.rows if v.id in ids)
        amount = format_money(self.quote.amount_cents) if self.quote else "—"

        def done(order_id: int) -> None:
            self.marked.clear()
            self.app.notify(_("已发起邀约, 订单 #{id}").format(id=order_id))

        self.app.push_screen(FormDialog(
            _("邀约 {n} 个商品?").format(n=len(ids)), [],
            lambda _v: (orders.invite, orders.Invite(item_ids=ids)),
            consequence=_("报价 {amount}; 商家确认并付款后成单").format(amount=amount), note=names,
            submit=_("邀约"), done=done))

    def action_quote(self) -> None:
        minimum = self.wb_app.wb.rules.flow_a.quote_min
        self.app.push_screen(FormDialog(
            _("发布报价"), [FieldSpec("quote", _("报价 (元)"), placeholder=str(minimum))],
            lambda v: (selection.publish_quote, selection.PublishQuote.parse(**v)),
            note=_("{activity}: 报价不能为 0, 不低于 ¥{min}; 平台不抽取佣金。").format(
                activity=self.wb_app.wb.rules.flow_a.activity_name, min=minimum),
            submit=_("发布")))

    def action_submit(self) -> None:
        product_id, creator_id = self.prefill
        self.prefill = (None, None)
        self.app.push_screen(FormDialog(
            _("提报到专属货品池"),
            [FieldSpec("product_id", _("商品编号"), value=str(product_id or "")),
             FieldSpec("creator_id", _("主播编号"), value=str(creator_id or "")),
             FieldSpec("daily_price", _("日常价 (元)")), FieldSpec("live_price", _("直播参考价 (元)")),
             FieldSpec("commission_rate", _("给该主播的佣金率"), placeholder="20%")],
            lambda v: (selection.submit_to_pool, selection.SubmitToPool.parse(**v)),
            note=_("只有这位主播能看到这个商品。"), submit=_("提报")))
