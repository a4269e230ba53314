"""Pre-selection (预选品): the custom and hot-sale pools, and the selection cart (带货宝)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from screens.base import TableScreen
from screens.widgets.undo import Undoable
from workbench.domain.formatting import count
from workbench.domain.money import format_money, format_rate
from workbench.domain.validate import CATEGORIES
from workbench.i18n import N_, _
from workbench.services import selection


class PreselectScreen(Undoable, TableScreen):
    TITLE_TEXT = N_("预选品")
    HINT = N_("空格 加入/移出带货宝 · f 切换 · o 排序 · v 视图 · 佣金为通用佣金, 非最终佣金")
    LIST_KEY = "products"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="preselect.back"),
        Binding("space", "toggle", N_("加入/移出"), tooltip=N_("加入或移出带货宝"), id="preselect.toggle"),
        Binding("u", "undo", N_("撤销"), tooltip=N_("撤销刚才的移出 (几秒内)"), id="preselect.undo"),
        Binding("f", "focus_filter", N_("切换"), tooltip=N_("定制池 / 热销池 / 带货宝 / 类目"),
                id="preselect.filter"),
        Binding("o", "cycle_sort", N_("排序"), tooltip=N_("按推荐指数或销量"), id="preselect.sort"),
        Binding("v", "views", N_("视图"), tooltip=N_("使用、保存、重命名、删除视图, 设默认视图"), id="preselect.views"),
        Binding("m", "merchant_profile", N_("商家主页"), tooltip=N_("查看该商品的商家的信誉与店铺"),
                id="preselect.merchant"),
    ]

    def filter_choices(self) -> list[tuple[str, str]]:
        choices = [(_("定制池"), "custom"), (_("行业热销池"), "hot"), (_("带货宝"), "cart")]
        choices += [(_("行业热销池 · {cat}").format(cat=c), f"hot:{c}") for c in CATEGORIES]
        return choices

    def list_filters(self) -> dict[str, str]:
        pool, _sep, category = (self.filter_value() or "custom").partition(":")
        return {"pool": pool, "category": category}

    def set_list_filters(self, filters: dict[str, str]) -> None:
        from textual.widgets import Select

        pool, category = filters.get("pool") or "custom", filters.get("category", "")
        self.query_one("#filter", Select).value = f"{pool}:{category}" if pool == "hot" and category else pool

    def describe_filters(self, filters: dict[str, str]) -> str:
        pools = {"custom": _("定制池"), "hot": _("行业热销池"), "cart": _("带货宝")}
        return " · ".join(x for x in (pools.get(filters.get("pool", ""), ""), filters.get("category", "")) if x)

    def sort_available(self, name: str) -> bool:
        return self.list_filters()["pool"] != "cart"   # the cart lists what was added, in that order

    def on_mount(self) -> None:   # the base classes' on_mount (the first load) runs after this one
        from textual.widgets import Select

        with self.prevent(Select.Changed):
            self.query_one("#filter", Select).value = self.initial_filter or "custom"

    def __init__(self, status: str | None = None) -> None:
        super().__init__(status)
        self.initial_filter = self._opening_filter(status) if status else None

    def _opening_filter(self, value: str) -> str:
        """A link may name the pool, its sort and a category ("hot:sales:服饰"): the sort goes to the
        sort order, the rest to the filter."""
        parts = value.split(":")
        pool, rest = parts[0], [p for p in parts[1:] if p]
        if rest and rest[0] in ("index", "sales"):
            self.list_sort = rest.pop(0)
        return f"{pool}:{rest[0]}" if pool == "hot" and rest else pool

    def fetch(self) -> list[selection.PoolProduct]:
        f = self.list_filters()
        if f["pool"] == "cart":
            return self.wb_app.wb.run(selection.cart, self.wb_app.actor)
        query = selection.PoolQuery(pool=f["pool"], sort=self.list_sort or "index", category=f["category"] or None,
                                    limit=200)
        return self.wb_app.wb.run(selection.pool_products, self.wb_app.actor, query)

    def columns(self) -> tuple[str, ...]:
        return ("", _("商品"), _("类目"), _("价格"), _("通用佣金"), _("月销"), _("推荐分 = 指数 × 商家信誉"), _("商家"))

    def cells(self, p: selection.PoolProduct) -> tuple:
        mark = Text("★", style="bold yellow") if p.in_cart else Text(" ")
        return (mark, p.name, p.category, format_money(p.price_cents), format_rate(p.commission_rate),
                count(p.sales), p.score_text or str(p.recommend_index), p.merchant)

    def action_toggle(self) -> None:
        p = self.current()
        if p is None:
            return
        if p.in_cart:   # reversible and harmless: done at once, with a few seconds to undo
            ref = selection.ProductRef(product_id=p.id)
            self.wb_app.perform(selection.remove_from_cart, ref, done=lambda _r: self.offer_undo(
                _("已移出带货宝: {name}").format(name=p.name), selection.undo_remove_from_cart, ref,
                _("已放回带货宝: {name}").format(name=p.name)))
        else:
            self.wb_app.perform(selection.add_to_cart, selection.ProductRef(product_id=p.id),
                                done=lambda _r: self.app.notify(_("已加入带货宝, 商家会收到选品意向: {name}").format(
                                    name=p.name)))

    def action_merchant_profile(self) -> None:
        p = self.current()
        if p is not None:
            self.wb_app.action_open("merchant_profile", product_id=p.id)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "undo":
            return self.can_undo()
        return True

    def action_focus_filter(self) -> None:
        self.query_one("#filter").focus()
