"""A merchant's profile page (商家主页): stores, and the record with each figure's definition beside it."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Static

from screens.base import WorkScreen
from screens.widgets.panel import Panel
from workbench.domain.formatting import local_time
from workbench.i18n import N_, _
from workbench.services import reputation
from workbench.services.reputation import MerchantProfile


def open_merchant_profile(screen, **ref: int) -> None:
    """Open the profile of the merchant behind a row (merchant_id, order_id, product_id or item_id)."""
    screen.wb_app.action_open("merchant_profile", **ref)


class MerchantProfileScreen(WorkScreen):
    CSS_PATH = "merchant_profile.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到上一页"), id="merchant.back"),
    ]

    def __init__(self, merchant_id: int | None = None, order_id: int | None = None, product_id: int | None = None,
                 item_id: int | None = None) -> None:
        super().__init__()
        self.ref = reputation.MerchantRef(merchant_id=merchant_id, order_id=order_id, product_id=product_id,
                                          item_id=item_id)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="merchant"):
            yield Panel(_("商家"), VerticalScroll(Static(id="merchant-about")), id="merchant-about-panel")
            yield Panel(_("商家信誉"), VerticalScroll(Static(id="merchant-record")), id="merchant-record-panel",
                        more=_("各项定义见数值下方"))
        yield Footer()

    def fetch(self) -> MerchantProfile:
        return self.wb_app.wb.run(reputation.merchant_profile_of, self.wb_app.actor, self.ref)

    def show(self, p: MerchantProfile) -> None:
        zone = self.wb_app.actor.zone
        self.query_one("#merchant-about-panel").border_title = p.company
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        state = Text(_("已认证"), style="bold green") if p.verified else Text(_("未认证"), style="dim")
        platforms = {"taobao": _("淘宝"), "douyin": _("抖音")}
        grid.add_row(_("认证"), state)
        grid.add_row(_("入驻"), local_time(p.since, zone)[:10])
        grid.add_row(_("商品数"), str(p.products))
        for i, (name, platform, standing) in enumerate(p.stores):
            grid.add_row(_("店铺") if i == 0 else "", Text(f"{name} · {platforms.get(platform, platform)} · {standing}"))
        parts: list = [grid, Text("")]
        ratings = Text(_("最近的评价") + "\n", style="bold")
        for r in p.ratings:
            ratings.append(f"{'★' * r.score}{'☆' * (5 - r.score)} ", style="yellow")
            ratings.append(f"{r.rater} · {local_time(r.at, zone)[:10]}\n", style="dim")
            if r.comment:
                ratings.append(f"  {r.comment}\n")
        if not p.ratings:
            ratings.append(_("暂无评价") + "\n", style="dim")
        parts.append(ratings)
        reports = Text("\n" + _("样品问题") + "\n", style="bold")
        for s in p.reports:
            reports.append(f"#{s.order_id} {s.reason_label} · {s.status_label} · {local_time(s.filed_at, zone)[:10]}\n",
                           style="magenta" if s.status == "upheld" else "dim")
            reports.append(f"  {s.detail}\n")
        if not p.reports:
            reports.append(_("没有成立的样品问题") + "\n", style="dim")
        parts.append(reports)
        self.query_one("#merchant-about", Static).update(Group(*parts))

        text: list = []
        for f in p.figures:
            row = Table.grid(padding=(0, 2), expand=True)
            row.add_column(ratio=1)
            row.add_column(justify="right", style="bold", no_wrap=True)
            row.add_column(justify="right", style="dim", no_wrap=True)
            row.add_row(Text(f.label, style="bold"), f.value, f.basis)
            text += [row, Text(f.definition, style="dim italic"), Text("")]
        factor = Table.grid(padding=(0, 2), expand=True)
        factor.add_column(ratio=1)
        factor.add_column(justify="right", style="bold cyan", no_wrap=True)
        factor.add_row(Text(_("推荐中的信誉系数"), style="bold"), p.factor)
        text.append(factor)
        for label, value, weight in p.factor_parts:
            text.append(Text(_("  {part} {value} × 权重 {weight}").format(part=label, value=value, weight=weight),
                             style="cyan"))
        text += [Text(p.factor_definition, style="dim italic"), Text(p.score_definition, style="dim italic")]
        self.query_one("#merchant-record", Static).update(Group(*text))
