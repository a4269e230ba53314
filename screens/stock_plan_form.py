"""A new stock plan (新建备货单): live start time and products, with the exclusive-pool share shown
before submitting."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, SelectionList, Static

from screens.base import WorkScreen
from screens.widgets.form import FieldSpec, Form
from screens.widgets.panel import Panel
from workbench.domain.errors import DomainError
from workbench.i18n import N_, _
from workbench.services import selection, stock


class StockPlanFormScreen(WorkScreen):
    CSS_PATH = "task_form.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("放弃并返回"), id="plan_form.back"),
        Binding("ctrl+s", "submit", N_("提交"), tooltip=N_("提交备货单审核"), id="plan_form.submit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="task-form"):
            yield Panel(_("新建备货单"), VerticalScroll(id="form-holder"), id="form-panel")
            yield Panel(_("专属货品池占比"), Static(id="summary"), Static(id="rule-note", classes="muted"),
                        Button(_("提交审核"), variant="primary", id="publish", compact=True), id="summary-panel")
        yield Footer()

    def fetch(self):
        wb, actor = self.wb_app.wb, self.wb_app.actor
        return wb.run(selection.exclusive_pool, actor), wb.run(selection.cart, actor)

    async def show(self, data) -> None:
        if self.loaded:
            return
        self.loaded = True
        pool, cart = data
        choices = [(f"★ {v.product}", str(v.product_id)) for v in pool]
        seen = {v.product_id for v in pool}
        choices += [(p.name, str(p.id)) for p in cart if p.id not in seen]
        zone = ZoneInfo(self.wb_app.actor.zone)
        tomorrow = (self.wb_app.wb.clock.now().astimezone(zone) + timedelta(days=1)).replace(
            hour=20, minute=0, second=0, microsecond=0)
        form = Form([
            FieldSpec("live_at", _("直播开始时间"), value=tomorrow.strftime("%Y-%m-%d %H:%M")),
            FieldSpec("product_ids", _("直播商品 (★ 专属货品池, 空格选择)"), multi=True, choices=choices),
        ])
        await self.query_one("#form-holder").mount(form)
        self.query_one("#rule-note", Static).update(_("每场直播至少 {pct} 的商品来自专属货品池。").format(
            pct=f"{self.wb_app.wb.rules.flow_a.exclusive_share_min * 100:.0f}%"))
        self._summarise([])

    def _selected(self) -> list[int]:
        return [int(x) for x in self.query_one("#field-product_ids", SelectionList).selected]

    def on_selection_list_selected_changed(self, _event) -> None:
        self._summarise(self._selected())

    def _summarise(self, ids: list[int]) -> None:
        self.wb_app.perform(stock.check_share, ids, done=self._show_share)

    def _show_share(self, check: stock.ShareCheck) -> None:
        style = "bold green" if check.ok else "bold red"
        self.query_one("#summary", Static).update(Text.assemble(
            (_("专属池商品 {e} / 共 {t}").format(e=check.exclusive, t=check.total) + "\n", ""),
            (_("占比 {share} (至少 {min})").format(share=check.share, min=check.minimum), style)))

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        form = self.query_one(Form)
        form.clear_errors()
        values = form.values()
        try:
            cmd = stock.SubmitPlan.parse(live_at=values["live_at"], product_ids=[int(x) for x in values["product_ids"]])
        except DomainError as exc:
            form.show_error(exc.field, exc.message)
            return

        def done(plan_id: int) -> None:
            self.app.notify(_("备货单 #{id} 已提交审核").format(id=plan_id))
            self.app.pop_screen()

        self.wb_app.perform(stock.submit_plan, cmd, done=done,
                            failed=lambda exc: form.show_error(exc.field, exc.message))
