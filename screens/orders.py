"""Cooperation orders (直播通订单): the list by status, one page at a time."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from screens.base import TableScreen
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money
from workbench.domain.orders import OrderStatus
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services import orders

STYLE = {"invited": "yellow", "paid": "yellow", "accepted": "cyan", "sample_shipped": "cyan", "scheduled": "cyan",
         "confirmed": "cyan", "delivered": "green", "overdue": "red", "closed": "dim", "declined": "dim"}


class OrdersScreen(TableScreen):
    TITLE_TEXT = N_("直播通订单")
    HINT = N_("Enter 详情 · f 筛选 · o 排序 · v 视图 · PgDn 下一页")
    LIST_KEY = "orders"
    FILTER_KEY = "status"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="orders.back"),
        Binding("f", "focus_filter", N_("筛选"), tooltip=N_("按状态筛选"), id="orders.filter"),
        Binding("o", "cycle_sort", N_("排序"), tooltip=N_("最新、最早、截止最近、报价从高到低"), id="orders.sort"),
        Binding("v", "views", N_("视图"), tooltip=N_("使用、保存、重命名、删除视图, 设默认视图"), id="orders.views"),
        Binding("pagedown,ctrl+n", "next_page", N_("下一页"), tooltip=N_("更早的订单"), id="orders.next"),
        Binding("pageup,ctrl+b", "first_page", N_("第一页"), tooltip=N_("回到最新的订单"), id="orders.first"),
        Binding("m", "merchant_profile", N_("商家主页"), tooltip=N_("查看这个订单的商家的信誉与店铺"), id="orders.merchant"),
    ]

    def __init__(self, status: str | None = None) -> None:
        super().__init__(status)
        self.pages: list[int | None] = [None]

    def filter_choices(self) -> list[tuple[str, str]]:
        return [(s.label, s.value) for s in OrderStatus]

    def describe_filters(self, filters: dict[str, str]) -> str:
        status = filters.get("status")
        return OrderStatus(status).label if status in OrderStatus._value2member_map_ else ""

    def sort_available(self, name: str) -> bool:
        return name != "due" or self.filter_value() in orders.DUE_COLUMN

    def list_state_changed(self) -> None:
        self.pages = [None]

    def fetch(self) -> list[orders.OrderRow]:
        if not self.sort_available(self.list_sort):   # a state without a deadline: back to the newest first
            self.list_sort = "newest"
        query = orders.OrderQuery.parse(status=self.filter_value(), after_id=self.pages[-1],
                                        sort=self.list_sort or "newest")
        return self.wb_app.wb.run(orders.list_orders, self.wb_app.actor, query)

    def columns(self) -> tuple[str, ...]:
        role = self.wb_app.actor.role
        party = (_("主播"),) if role is Role.MERCHANT else (_("商家"),) if role is Role.CREATOR else (_("商家"), _("主播"))
        return ("#", *party, _("商品"), _("报价"), _("状态"), _("截止"))

    def cells(self, r: orders.OrderRow) -> tuple:
        role = self.wb_app.actor.role
        party = (r.creator,) if role is Role.MERCHANT else (r.merchant,) if role is Role.CREATOR else (r.merchant, r.creator)
        due = local_time(r.due_at, self.wb_app.actor.zone) if r.due_at else ""
        return (str(r.id), *party, r.products, format_money(r.quote_cents), Text(r.state, style=STYLE.get(r.status, "")),
                due)

    def show(self, rows) -> None:
        super().show(rows)
        self.query_one("#table-panel").border_title = (self.list_title(_("直播通订单")) + " · "
                                                       + _("第 {n} 页").format(n=len(self.pages)))

    def action_open_row(self) -> None:
        r = self.current()
        if r is not None:
            self.wb_app.action_open("order_detail", order_id=r.id)

    def action_merchant_profile(self) -> None:
        r = self.current()
        if r is not None:
            self.wb_app.action_open("merchant_profile", order_id=r.id)

    def action_focus_filter(self) -> None:
        self.query_one("#filter").focus()

    def action_next_page(self) -> None:
        if len(self.rows) == orders.PAGE:
            self.pages.append(self.rows[-1].id)
            self.reload()

    def action_first_page(self) -> None:
        self.pages = [None]
        self.reload()
