"""Pre-selection (预选品): the custom and hot-sale pools, and the selection cart (带货宝)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from screens.base import TableScreen
from workbench.domain.formatting import count
from workbench.domain.money import format_money, format_rate
from workbench.domain.validate import CATEGORIES
from workbench.i18n import N_, _
from workbench.services import selection


class PreselectScreen(TableScreen):
    TITLE_TEXT = N_("预选品")
    HINT = N_("空格 加入/移出带货宝 · f 切换 · 佣金为通用佣金, 非最终佣金")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="preselect.back"),
        Binding("space", "toggle", N_("加入/移出"), tooltip=N_("加入或移出带货宝"), id="preselect.toggle"),
        Binding("f", "focus_filter", N_("切换"), tooltip=N_("定制池 / 热销池 / 带货宝 / 类目 / 排序"),
                id="preselect.filter"),
    ]

    def filter_choices(self) -> list[tuple[str, str]]:
        Binding("o", "cycle_sort", N_("排序"), tooltip=N_("按推荐指数或销量"), id="preselect.sort"),
        Binding("v", "views", N_("视图"), tooltip=N_("使用、保存、重命名、删除视图, 设默认视图"), id="preselect.views"),
        Binding("m", "merchant_profile", N_("商家主页"), tooltip=N_("查看该商品的商家的信誉与店铺"),
                id="preselect.merchant"),
        choices = [(_("定制池 · 按推荐指数"), "custom:index"), (_("定制池 · 按销量"), "custom:sales"),
                   (_("行业热销池 · 按推荐指数"), "hot:index"), (_("行业热销池 · 按销量"), "hot:sales"),
                   (_("带货宝"), "cart:")]
        choices += [(_("行业热销池 · {cat}").format(cat=c), f"hot:sales:{c}") for c in CATEGORIES]
        return choices

    def on_mount(self) -> None:
        super().on_mount()
        from textual.widgets import Select

        self.query_one("#filter", Select).value = self.initial_filter or "custom:index"

    def fetch(self) -> list[selection.PoolProduct]:
        value = self.filter_value() or "custom:index"
        pool, _sep, rest = value.partition(":")
        if pool == "cart":
            return self.wb_app.wb.run(selection.cart, self.wb_app.actor)
        sort, _sep, category = rest.partition(":")
        query = selection.PoolQuery(pool=pool, sort=sort or "index", category=category or None, limit=200)
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
        if p.in_cart:
            self.wb_app.perform(selection.remove_from_cart, selection.ProductRef(product_id=p.id),
                                done=lambda _r: self.app.notify(_("已移出带货宝: {name}").format(name=p.name)))
        else:
            self.wb_app.perform(selection.add_to_cart, selection.ProductRef(product_id=p.id),
                                done=lambda _r: self.app.notify(_("已加入带货宝, 商家会收到选品意向: {name}").format(
                                    name=p.name)))

    def action_focus_filter(self) -> None:
        self.query_one("#filter").focus()
    def action_merchant_profile(self) -> None:
        p = self.current()
        if p is not None:
            self.wb_app.action_open("merchant_profile", product_id=p.id)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "undo":
            return self.can_undo()
        return True

