"""Intents (选品意向): creators' pre-selections of the merchant's products, to answer by submitting
the product to that creator's exclusive pool."""

from __future__ import annotations

from textual.binding import Binding

from screens.base import TableScreen
from workbench.domain.formatting import local_time
from workbench.i18n import N_, _
from workbench.services import selection


class IntentsScreen(TableScreen):
    TITLE_TEXT = N_("选品意向")
    HINT = N_("Enter 提报到该主播的专属货品池")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="intents.back"),
        Binding("enter", "open_row", N_("提报"), tooltip=N_("提报到该主播的专属货品池"), id="intents.submit"),
    ]

    def fetch(self) -> list[selection.IntentView]:
        return self.wb_app.wb.run(selection.intents, self.wb_app.actor)

    def columns(self) -> tuple[str, ...]:
        return (_("主播"), _("商品"), _("时间"), _("状态"))

    def cells(self, i: selection.IntentView) -> tuple:
        state = {"open": _("待处理"), "submitted": _("已提报"), "withdrawn": _("已撤回")}[i.status]
        return (i.creator, i.product, local_time(i.created_at, self.wb_app.actor.zone), state)

    def action_open_row(self) -> None:
        i = self.current()
        if i is not None and i.status == "open":
            self.wb_app.action_open("exclusive_pool", product_id=i.product_id, creator_id=i.creator_id)
