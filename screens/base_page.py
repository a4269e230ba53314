"""My base (我的基地): sign in with a base's token, see its listed products, end the cooperation."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from screens.base import TableScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money
from workbench.i18n import N_, _
from workbench.services import agency, consequences


class BasePageScreen(TableScreen):
    TITLE_TEXT = N_("我的基地")
    HINT = N_("t 粘贴签到码签到 · e 结束合作")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="base_page.back"),
        Binding("t", "sign_in", N_("签到"), tooltip=N_("粘贴基地的签到码"), id="base_page.sign_in"),
        Binding("e", "end", N_("结束合作"), tooltip=N_("结束与当前基地的合作"), id="base_page.end"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page: agency.BasePage | None = None

    def fetch(self):
        return self.wb_app.wb.run(agency.base_page, self.wb_app.actor)

    def show(self, page) -> None:
        self.page = page
        super().show(page.products if page else [])
        title = (_("我的基地 · {base} ({city}) · 签到于 {at}").format(
            base=page.base, city=page.city, at=local_time(page.signed_in_at, self.wb_app.actor.zone))
            if page else _("我的基地 · 尚未签到 (t 粘贴签到码)"))
        self.query_one("#table-panel").border_title = title

    def columns(self) -> tuple[str, ...]:
        return (_("商品"), _("店铺"), _("品牌"), _("体验分"), _("价格"))

    def cells(self, p: agency.PoolItemView) -> tuple:
        return (Text(p.name, style="bold"), p.store, p.brand, str(p.experience_score), format_money(p.price_cents))

    def action_sign_in(self) -> None:
        self.app.push_screen(FormDialog(
            _("在基地签到"), [FieldSpec("token", _("签到码"), placeholder="WB1.…")],
            lambda v: (agency.base_sign_in, agency.SignInCmd.parse(**v)),
            note=_("扫描基地的二维码, 或粘贴基地给出的签到码。"), submit=_("签到")))

    def action_end(self) -> None:
        if self.page is None:
            return
        self.app.push_screen(FormDialog(
            _("结束与 {base} 的合作?").format(base=self.page.base), [],
            lambda _v: (agency.end_base_cooperation, None), preview=lambda _v: (consequences.base_end, None),
            submit=_("结束合作"), danger=True))
