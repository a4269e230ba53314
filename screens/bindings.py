"""Bindings (绑定管理): an agency's creators (with their lives and split) and live-base stores."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from screens.base import WorkScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from screens.widgets.panel import Panel
from screens.widgets.table import fill_table
from workbench.domain.formatting import local_time
from workbench.domain.money import format_rate
from workbench.i18n import N_, _
from workbench.services import agency, consequences

STATUS = {"invited": (N_("待确认"), "yellow"), "active": (N_("生效中"), "green"), "declined": (N_("已拒绝"), "dim"),
          "ended": (N_("已结束"), "dim")}


def status_text(status: str) -> Text:
    label, style = STATUS[status]
    return Text(_(label), style=style)


class BindingsScreen(WorkScreen):
    DEFAULT_CSS = """
    BindingsScreen #creators-panel, BindingsScreen #stores-panel { height: 1fr; margin: 0 1; }
    BindingsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="bindings.back"),
        Binding("c", "invite_creator", N_("邀请主播"), tooltip=N_("邀请主播绑定"), id="bindings.invite_creator"),
        Binding("s", "invite_store", N_("邀请店铺"), tooltip=N_("邀请店铺进行直播基地合作"), id="bindings.invite_store"),
        Binding("p", "split", N_("分成比例"), tooltip=N_("设置选中主播的分成比例"), id="bindings.split"),
        Binding("e", "end", N_("解除绑定"), tooltip=N_("从现在起结束选中的绑定"), id="bindings.end"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.creators: list[agency.BindingView] = []
        self.stores: list[agency.BindingView] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Panel(_("绑定主播"), DataTable(id="creators", cursor_type="row"), id="creators-panel",
                    more=_("c 邀请 · p 分成 · e 解除"))
        yield Panel(_("绑定店铺 (直播基地合作)"), DataTable(id="stores", cursor_type="row"), id="stores-panel",
                    more=_("s 邀请 · e 解除"))
        yield Footer()

    def fetch(self):
        wb, actor = self.wb_app.wb, self.wb_app.actor
        return wb.run(agency.creator_bindings, actor), wb.run(agency.store_bindings, actor)

    def show(self, data) -> None:
        self.creators, self.stores = data
        zone = self.wb_app.actor.zone
        fill_table(self.query_one("#creators", DataTable),
                   (_("主播"), _("状态"), _("主播分成"), _("强绑定"), _("直播场次"), _("生效时间"), _("结束时间")),
                   [(b.party, status_text(b.status), format_rate(b.creator_share) if b.creator_share is not None else "",
                     _("是") if b.strong else "", str(b.lives), local_time(b.confirmed_at, zone) if b.confirmed_at else "—",
                     local_time(b.ended_at, zone) if b.ended_at else "") for b in self.creators])
        fill_table(self.query_one("#stores", DataTable), (_("店铺"), _("状态"), _("邀请时间"), _("生效时间")),
                   [(b.party, status_text(b.status), local_time(b.invited_at, zone),
                     local_time(b.confirmed_at, zone) if b.confirmed_at else "—") for b in self.stores])

    def _selected(self) -> tuple[str, agency.BindingView | None]:
        focused = self.focused
        kind = "stores" if focused is not None and focused.id == "stores" else "creators"
        table = self.query_one(f"#{kind}", DataTable)
        rows = self.stores if kind == "stores" else self.creators
        return kind, rows[table.cursor_row] if rows and table.cursor_row < len(rows) else None

    def action_invite_creator(self) -> None:
        self.app.push_screen(FormDialog(
            _("邀请主播绑定"),
            [FieldSpec("creator_id", _("主播编号")), FieldSpec("creator_share", _("主播分成 (剩余 70% 中)"), value="60%"),
             FieldSpec("strong", _("强绑定 (头部年框机构)"), choices=[(_("否"), "no"), (_("是"), "yes")])],
            lambda v: (agency.invite_creator, agency.InviteCreator.parse(
                creator_id=v["creator_id"] or 0, creator_share=v["creator_share"], strong=v["strong"] == "yes")),
            note=_("主播确认后生效; 消费者付款时已绑定的订单, 平台收 30%, 其余按分成比例分配。"), submit=_("邀请")))

    def action_invite_store(self) -> None:
        self.app.push_screen(FormDialog(
            _("邀请店铺 (直播基地合作)"), [FieldSpec("store_id", _("店铺编号"))],
            lambda v: (agency.invite_store, agency.InviteStore.parse(store_id=v["store_id"] or 0)),
            note=_("商家确认后, 有品牌且体验分达标的商品自动同步进基地货品池。"), submit=_("邀请")))

    def action_split(self) -> None:
        _kind, b = self._selected()
        if b is None or _kind != "creators":
            return
        self.app.push_screen(FormDialog(
            _("设置 {name} 的分成比例").format(name=b.party),
            [FieldSpec("creator_share", _("主播分成 (剩余 70% 中)"), value=format_rate(b.creator_share))],
            lambda v: (agency.set_split, agency.SetSplit.parse(binding_id=b.id, **v)),
            note=_("只影响之后付款的订单。"), submit=_("保存")))

    def action_end(self) -> None:
        kind, b = self._selected()
        if b is None:
            return
        fn = agency.end_store_binding if kind == "stores" else agency.end_creator_binding
        preview = consequences.binding_end_store if kind == "stores" else consequences.binding_end_creator
        ref = agency.BindingRef(binding_id=b.id, version=b.version)
        self.app.push_screen(FormDialog(
            _("解除与 {name} 的绑定?").format(name=b.party), [], lambda _v: (fn, ref),
            preview=lambda _v: (preview, ref), submit=_("解除绑定"), danger=True))
