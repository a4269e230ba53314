"""The task form (任务表单): book a creator's live; publishing freezes quote × hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import Button, Footer, Header, Input, Select, Static

from screens.base import WorkScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec, Form
from screens.widgets.panel import Panel
from workbench.domain.errors import DomainError
from workbench.domain.money import Money, format_money
from workbench.i18n import N_, _
from workbench.services import consequences, creators, funds, products, tasks, users


@dataclass(frozen=True)
class FormData:
    profile: creators.CreatorProfile
    products: list[products.ProductView]
    available_cents: int
    task_account: str | None
    contact: tuple[str, str]


class TaskFormScreen(WorkScreen):
    CSS_PATH = "task_form.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("放弃并返回"), id="task_form.back"),
        Binding("ctrl+s", "publish", N_("发布"), tooltip=N_("发布任务并冻结费用"), id="task_form.publish"),
    ]

    def __init__(self, creator_id: int) -> None:
        super().__init__()
        self.creator_id = creator_id
        self.data: FormData | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="task-form"):
            yield Panel(_("任务表单"), VerticalScroll(id="form-holder"), id="form-panel")
            yield Panel(_("费用"), Static(id="summary"), Static(id="rule-note", classes="muted"),
                        Button(_("发布任务"), variant="primary", id="publish", compact=True), id="summary-panel")
        yield Footer()

    def fetch(self) -> FormData:
        wb, actor = self.wb_app.wb, self.wb_app.actor
        account = wb.run(funds.fund_account, actor)
        return FormData(wb.run(creators.creator_profile, actor, self.creator_id),
                        wb.run(products.my_products, actor), account.available_cents, account.task_account,
                        wb.run(users.merchant_contact, actor))

    async def show(self, data: FormData) -> None:
        first = self.data is None
        self.data = data
        if first:
            zone = ZoneInfo(self.wb_app.actor.zone)
            tomorrow = (self.wb_app.wb.clock.now().astimezone(zone) + timedelta(days=1)).replace(
                hour=20, minute=0, second=0, microsecond=0)
            form = Form([
                FieldSpec("contact_name", _("任务联系人"), value=data.contact[0]),
                FieldSpec("contact_phone", _("联系人手机号"), value=data.contact[1]),
                FieldSpec("air_at", _("期望播出时间 (精确到分钟)"), value=tomorrow.strftime("%Y-%m-%d %H:%M")),
                FieldSpec("hours", _("下单数量 (小时)"), value="1"),
                FieldSpec("kind", _("任务类型"), choices=[(_("直播专场"), "dedicated"), (_("直播拼场"), "shared")]),
                FieldSpec("return_sample", _("直播后寄回样品"), choices=[(_("否"), "no"), (_("是"), "yes")]),
                FieldSpec("product_ids", _("合作商品 (空格选择)"), multi=True,
                          choices=[(f"{p.name} · {format_money(p.price_cents)}", str(p.id)) for p in data.products]),
                FieldSpec("plan", _("佣金计划"), choices=[(_("普通计划 (按计划佣金)"), "normal"),
                                                       (_("定向计划 (自定义佣金率, 接单时创建)"), "targeted")]),
                FieldSpec("commission_rate", _("定向佣金率 (0–100%, 选定向计划时填写)")),
            ])
            await self.query_one("#form-holder").mount(form)
            self._after_mount_form()
        self.query_one("#form-panel").border_title = _("给 {name} 下直播任务").format(name=data.profile.card.nickname)
        self._summarise()

    def _after_mount_form(self) -> None:
        self.query_one("#field-commission_rate", Input).disabled = True
        self.query_one("#field-contact_name", Input).focus()
        self._summarise()

    def _hours(self) -> int | None:
        try:
            value = int(self.query_one("#field-hours", Input).value)
        except (ValueError, NoMatches):  # not a number yet, or the form is still being mounted
            return None
        return value if 0 < value <= tasks.MAX_HOURS else None   # no sum for a 40-digit count

    def _summarise(self) -> None:
        if self.data is None:
            return
        card = self.data.profile.card
        hours = self._hours()
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(justify="right", no_wrap=True)
        grid.add_row(_("主播"), card.nickname)
        grid.add_row(_("报价/小时"), format_money(card.quote_cents))
        grid.add_row(_("小时"), str(hours) if hours else "—")
        amount = Money(card.quote_cents).times(hours).cents if hours else None
        grid.add_row(_("将冻结"), Text(format_money(amount), style="bold") if amount is not None else "—")
        grid.add_row(_("可用余额"), format_money(self.data.available_cents))
        if amount is not None and amount > self.data.available_cents:
            grid.add_row(_("还差"), Text(format_money(amount - self.data.available_cents), style="bold red"))
        account = self.data.task_account   # typed when it was bound: plain text, never markup
        grid.add_row(_("任务账户"), Text(account) if account else Text(_("未绑定"), style="bold yellow"))
        self.query_one("#summary", Static).update(grid)
        self.query_one("#rule-note", Static).update(_(
            "发布即冻结 报价 × 小时; 达人 {h} 小时内未接单自动取消并全额退款。").format(
            h=self.wb_app.wb.rules.flow_b.acceptance_timeout_hours))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "field-hours":
            self._summarise()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "field-plan":
            self.query_one("#field-commission_rate", Input).disabled = event.value != "targeted"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "publish":
            self.action_publish()

    def action_publish(self) -> None:
        form = self.query_one(Form)
        form.clear_errors()
        v = form.values()
        try:
            cmd = tasks.PublishTask.parse(
                creator_id=self.creator_id, contact_name=v["contact_name"], contact_phone=v["contact_phone"],
                air_at=v["air_at"], hours=v["hours"] or 0, kind=v["kind"], return_sample=v["return_sample"] == "yes",
                product_ids=[int(x) for x in v["product_ids"]], plan=v["plan"],
                commission_rate=v["commission_rate"] if v["plan"] == "targeted" else None)
        except DomainError as exc:
            form.show_error(exc.field, exc.message)
            return
        # Publishing freezes money: the service says how much and what follows, and the merchant confirms.
        self.wb_app.perform(consequences.task_publish, cmd, done=lambda _c: self._confirm(cmd),
                            failed=lambda exc: form.show_error(exc.field, exc.message))

    def _confirm(self, cmd: tasks.PublishTask) -> None:
        self.app.push_screen(FormDialog(
            _("发布任务并冻结费用?"), [], lambda _v: (tasks.publish_task, cmd),
            preview=lambda _v: (consequences.task_publish, cmd), submit=_("发布"), done=self._published))

    def _published(self, task_id: int) -> None:
        self.app.notify(_("任务 #{id} 已发布, 费用已冻结").format(id=task_id), title=_("发布任务"))
        self.app.pop_screen()
        self.wb_app.action_open("task_detail", task_id=task_id)
