"""Post-campaign reports (复盘报告): finished cooperations, most recently finished first, a page at a time."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.binding import Binding

from screens.base import TableScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services import reports


def export_step(path: str, query: reports.ExportQuery):
    """A use-case-shaped step for the export dialog: read the reports, write the workbook."""
    from workbench.export import reports_workbook

    def run(uow, actor, _cmd=None):
        details = reports.export_reports(uow, actor, query)
        return reports_workbook(details, actor.zone, Path(path).expanduser())

    run.read_only = True  # type: ignore[attr-defined]
    return run


def export_path(text: str) -> str:
    from workbench.domain.errors import DomainError

    if not text.strip():
        raise DomainError(_("请填写保存的文件名"), field="out")
    return text.strip()


def roi_text(value) -> str:
    return "—" if value is None else f"{value}"


def on_time_text(on_time: bool) -> Text:
    return Text(_("准时"), style="green") if on_time else Text(_("逾期"), style="red")


class ReportsScreen(TableScreen):
    TITLE_TEXT = N_("复盘报告")
    HINT = N_("Enter 查看报告 · f 筛选 · x 导出 · PgDn 下一页")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="reports.back"),
        Binding("f", "focus_filter", N_("筛选"), tooltip=N_("全部或待评价"), id="reports.filter"),
        Binding("x", "export", N_("导出 Excel"), tooltip=N_("导出一段期间的复盘报告到 .xlsx"), id="reports.export"),
        Binding("pagedown,ctrl+n", "next_page", N_("下一页"), tooltip=N_("更早完成的合作"), id="reports.next"),
        Binding("pageup,ctrl+b", "first_page", N_("第一页"), tooltip=N_("回到最近完成的合作"), id="reports.first"),
    ]

    def __init__(self, status: str | None = None) -> None:
        super().__init__(status)
        self.pages: list[str | None] = [None]

    def filter_choices(self) -> list[tuple[str, str]] | None:
        if self.wb_app.actor.role not in (Role.MERCHANT, Role.CREATOR):
            return None
        return [(_("待评价"), "to_rate")]

    def on_select_changed(self, event) -> None:
        self.pages = [None]
        super().on_select_changed(event)

    def fetch(self) -> list[reports.ReportRow]:
        query = reports.ReportQuery(to_rate=self.filter_value() == "to_rate", after=self.pages[-1])
        return self.wb_app.wb.run(reports.list_reports, self.wb_app.actor, query)

    def _party(self) -> tuple[str, ...]:
        role = self.wb_app.actor.role
        return (_("主播"),) if role is Role.MERCHANT else (_("商家"),) if role is Role.CREATOR else (_("商家"), _("主播"))

    def columns(self) -> tuple[str, ...]:
        rated = (_("我的评价"),) if self.wb_app.actor.role in (Role.MERCHANT, Role.CREATOR) else ()
        return (_("合作"), *self._party(), _("状态"), _("完成时间"), _("成本"), _("GMV"), _("成交"), _("ROI"),
                _("准时"), *rated)

    def cells(self, r: reports.ReportRow) -> tuple:
        role = self.wb_app.actor.role
        party = (r.creator,) if role is Role.MERCHANT else (r.merchant,) if role is Role.CREATOR else (r.merchant, r.creator)
        rated = ()
        if role in (Role.MERCHANT, Role.CREATOR):
            rated = (Text(_("已评价"), style="dim") if r.rated else Text(_("待评价"), style="bold yellow"),)
        return (r.title, *party, r.state, local_time(r.finished_at, self.wb_app.actor.zone),
                format_money(r.cost_cents), format_money(r.gmv_cents), str(r.orders), roi_text(r.roi),
                on_time_text(r.on_time), *rated)

    def show(self, rows) -> None:
        super().show(rows)
        self.query_one("#table-panel").border_title = (
            _("复盘报告") + " · " + _("第 {n} 页").format(n=len(self.pages)))
        empty = _("没有待评价的合作") if self.filter_value() == "to_rate" else _("还没有已完成的合作")
        self.query_one("#table-panel").border_subtitle = _(self.HINT) if rows else empty

    def action_open_row(self) -> None:
        r = self.current()
        if r is not None:
            self.wb_app.action_open("report", kind=r.kind, ref_id=r.id)

    def action_focus_filter(self) -> None:
        try:
            self.query_one("#filter").focus()
        except Exception:   # support staff have no filter
            pass

    def action_next_page(self) -> None:
        if len(self.rows) == reports.PAGE:
            self.pages.append(self.rows[-1].key)
            self.reload()

    def action_first_page(self) -> None:
        self.pages = [None]
        self.reload()

    def action_export(self) -> None:
        def make(v: dict) -> tuple:
            query = reports.ExportQuery.parse(since=v["since"] or None, until=v["until"] or None)
            return export_step(export_path(v["out"]), query), None

        self.app.push_screen(FormDialog(
            _("导出复盘报告"),
            [FieldSpec("since", _("开始日期 (含)"), placeholder="2026-05-01"),
             FieldSpec("until", _("结束日期 (含)"), placeholder="2026-05-31"),
             FieldSpec("out", _("保存为"), value="~/复盘报告.xlsx")],
            make, note=_("按完成日期导出; 两个日期都不填则导出全部。三张表: 汇总、每日 GMV、评价。"),
            submit=_("导出"), done=lambda path: self.app.notify(_("已导出 {path}").format(path=path), markup=False)))
