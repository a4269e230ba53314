"""The base pool (基地货品池): synced from bound stores; list or unlist for the base page."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from screens.base import TableScreen
from workbench.domain.money import format_money
from workbench.i18n import N_, _
from workbench.services import agency


class BasePoolScreen(TableScreen):
    TITLE_TEXT = N_("基地货品池")
    HINT = N_("空格 上架/下架 · 有品牌且体验分达标的商品自动同步")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="pool.back"),
        Binding("space", "toggle", N_("上架/下架"), tooltip=N_("在主播看到的基地页上架或下架"), id="base_pool.toggle"),
    ]

    def fetch(self) -> list[agency.PoolItemView]:
        return self.wb_app.wb.run(agency.base_pool, self.wb_app.actor)

    def columns(self) -> tuple[str, ...]:
        return (_("商品"), _("店铺"), _("品牌"), _("体验分"), _("价格"), _("状态"))

    def cells(self, p: agency.PoolItemView) -> tuple:
        state = Text(_("已上架"), style="green") if p.listed else Text(_("未上架"), style="dim")
        return (p.name, p.store, p.brand, str(p.experience_score), format_money(p.price_cents), state)

    def action_toggle(self) -> None:
        p = self.current()
        if p is not None:
            self.wb_app.perform(agency.list_product, agency.ListProduct(product_id=p.product_id, listed=not p.listed))
