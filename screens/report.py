"""One post-campaign report (复盘报告): cost, attributed GMV and orders, ROI, on time, a chart, ratings."""

from __future__ import annotations

import plotext
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Static

from screens.base import WorkScreen
from screens.reports import export_path, export_step, on_time_text
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from screens.widgets.panel import Panel
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services import reports


def daily_gmv_chart(detail: reports.ReportDetail, width: int, height: int) -> Text:
    """GMV (yuan) per day from the day of the live to the end of the attribution window."""
    plotext.clf()
    plotext.limitsize(False, False)   # the panel's size, not the size plotext guesses for the terminal
    plotext.plotsize(max(width, 20), max(height, 6))
    plotext.theme("clear")
    if detail.per_day:
        days = [d.day.strftime("%m-%d") for d in detail.per_day]
        plotext.bar(days, [d.gmv_cents / 100 for d in detail.per_day], orientation="horizontal", width=0.5)
    plotext.xlabel("")
    return Text.from_ansi(plotext.build())


def stars(score: int) -> str:
    return "★" * score + "☆" * (5 - score)


class ReportScreen(WorkScreen):
    DEFAULT_CSS = """
    ReportScreen #report { height: 1fr; padding: 0 1; }
    ReportScreen #left { width: 3fr; height: 100%; }
    ReportScreen #figures-panel { height: auto; max-height: 2fr; }
    ReportScreen #ratings-panel { height: 1fr; min-height: 6; }
    ReportScreen #chart-panel { width: 2fr; height: 100%; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到上一页"), id="report.back"),
        Binding("v", "rate", N_("去评价"), tooltip=N_("给合作对方打分 (1-5) 并留言"), id="report.rate"),
        Binding("x", "export", N_("导出 Excel"), tooltip=N_("把这份报告导出到 .xlsx"), id="report.export"),
    ]

    def __init__(self, kind: str, ref_id: int) -> None:
        super().__init__()
        self.kind, self.ref_id = kind, ref_id
        self.detail: reports.ReportDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="report"):
            with Vertical(id="left"):
                yield Panel(_("复盘报告"), Static(id="figures"), id="figures-panel")
                yield Panel(_("评价"), VerticalScroll(Static(id="ratings")), id="ratings-panel")
            yield Panel(_("直播后每日 GMV (元)"), Static(id="chart"), id="chart-panel")
        yield Footer()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "rate":
            return self.detail is not None and self.detail.can_rate
        return True

    def fetch(self) -> reports.ReportDetail:
        return self.wb_app.wb.run(reports.report, self.wb_app.actor, reports.ReportRef(kind=self.kind, id=self.ref_id))

    def show(self, d: reports.ReportDetail) -> None:
        self.detail = d
        zone = self.wb_app.actor.zone
        self.query_one("#figures-panel").border_title = _("复盘报告") + f" · {d.title} · {d.state}"
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        grid.add_row(_("商家"), d.merchant)
        grid.add_row(_("主播"), d.creator)
        if d.live_at is not None and d.window_ends_at is not None:
            grid.add_row(_("归因窗口"), _("{start} 至 {end}: 该主播售出本次合作商品的成交").format(
                start=local_time(d.live_at, zone), end=local_time(d.window_ends_at, zone)))
        grid.add_row(_("成本"), Text(format_money(d.cost_cents), style="bold").append(
            "  " + _("= 坑位费 {fee} + 佣金 {commission}").format(
                fee=format_money(d.slot_fee_cents), commission=format_money(d.commission_cents)), style="dim"))
        if d.commission_cents:
            grid.add_row("", Text(_("佣金 (推广服务费) 去向: 平台 {p} · 主播 {c} · 机构 {a}").format(
                p=format_money(d.platform_cents), c=format_money(d.creator_fee_cents),
                a=format_money(d.agency_fee_cents)), style="dim"))
        if d.slot_fee_cents != d.quote_cents:
            grid.add_row("", Text(_("报价 {quote}, 实际结算 {fee}").format(
                quote=format_money(d.quote_cents), fee=format_money(d.slot_fee_cents)), style="dim"))
        grid.add_row(_("GMV"), Text(format_money(d.gmv_cents), style="bold").append(
            "  " + _("成交订单 {n} 笔").format(n=d.orders), style="dim"))
        grid.add_row(_("ROI"), Text("—" if d.roi is None else str(d.roi), style="bold cyan").append(
            "  " + d.roi_formula, style="dim"))
        grid.add_row(_("准时"), on_time_text(d.on_time).append("  " + self._deadline_text(d), style="dim"))
        if d.products:
            grid.add_row(_("商品"), "、".join(d.products))
        if d.note:
            grid.add_row("", Text(d.note, style="yellow"))
        self.query_one("#figures", Static).update(grid)
        self._show_ratings(d)
        self._draw()
        self.call_after_refresh(self._draw)   # again once the panels have their final size
        self.refresh_bindings()

    def _deadline_text(self, d: reports.ReportDetail) -> str:
        zone = self.wb_app.actor.zone
        deadline = local_time(d.deadline, zone) if d.deadline else "—"
        done = local_time(d.done_at, zone) if d.done_at else _("未完成")
        if d.kind == "order":
            return _("交付 {done}, 最晚交付 {deadline}").format(done=done, deadline=deadline)
        return _("开播 {done}, 约定开播 {deadline}").format(done=done, deadline=deadline)

    def _show_ratings(self, d: reports.ReportDetail) -> None:
        text = Text()
        sides = {"merchant": _("商家"), "creator": _("主播")}
        for i, r in enumerate(d.ratings):
            if i:
                text.append("\n")
            text.append(f"{sides[r.side]} {r.rater}", style="bold").append(" → ").append(r.ratee)
            text.append(f"\n  {stars(r.score)} {r.score}", style="yellow").append(
                "  " + local_time(r.rated_at, self.wb_app.actor.zone), style="dim")
            if r.comment:
                text.append("\n  ").append(r.comment)
        if not d.ratings:
            text.append(_("双方都还没有评价"), style="dim")
        if d.can_rate:
            text.append("\n\n").append(_("按 v 给对方评价 (1-5 星)"), style="bold yellow")
        self.query_one("#ratings", Static).update(text)
        self.query_one("#ratings-panel").border_title = _("评价") + f" ({len(d.ratings)}/2)"

    def on_resize(self, _event) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.detail is None:
            return
        panel = self.query_one("#chart-panel")
        chart = self.query_one("#chart", Static)
        if not self.detail.per_day:
            chart.update(Text(_("没有直播, 没有归因成交"), style="dim"))
            return
        chart.update(daily_gmv_chart(self.detail, panel.content_size.width, panel.content_size.height))

    # ---- actions -----------------------------------------------------------------------------

    def action_rate(self) -> None:
        d = self.detail
        if d is None or not d.can_rate:
            return
        other = d.creator if self.wb_app.actor.role is Role.MERCHANT else d.merchant

        def make(v: dict) -> tuple:
            return reports.give_rating, reports.GiveRating.parse(
                subject=d.kind, subject_id=d.id, score=v["score"], comment=v["comment"])

        self.app.push_screen(FormDialog(
            _("评价 {who}").format(who=other),
            [FieldSpec("score", _("评分"), choices=[(f"{stars(n)}  {n}", str(n)) for n in (5, 4, 3, 2, 1)]),
             FieldSpec("comment", _("评价内容 (最多 300 字, 可不填)"), placeholder=_("合作体验如何?"))],
            make, note=_("每次合作只能评价一次, 提交后不能修改; 对方会收到通知。"), submit=_("提交评价"),
            done=lambda r: self.app.notify(_("已评价 {who}: {score} 星").format(who=r.ratee, score=r.score), markup=False)))

    def action_export(self) -> None:
        d = self.detail
        if d is None:
            return

        def make(v: dict) -> tuple:
            return export_step(export_path(v["out"]), reports.ExportQuery(kind=d.kind, id=d.id)), None

        self.app.push_screen(FormDialog(
            _("导出复盘报告"), [FieldSpec("out", _("保存为"), value=f"~/{d.kind}-{d.id}.xlsx")], make,
            note=_("三张表: 汇总、每日 GMV、评价; 金额与日期为数值单元格。"), submit=_("导出"),
            done=lambda path: self.app.notify(_("已导出 {path}").format(path=path), markup=False)))
