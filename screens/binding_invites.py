"""Binding invitations (绑定邀请): a creator answers an agency, a merchant answers a live base."""

from __future__ import annotations

from textual.binding import Binding

from screens.base import TableScreen
from screens.bindings import status_text
from workbench.domain.formatting import local_time
from workbench.domain.money import format_rate
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services import agency


class BindingInvitesScreen(TableScreen):
    TITLE_TEXT = N_("绑定邀请")
    HINT = N_("y 确认 · n 拒绝")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="invites.back"),
        Binding("y", "answer(True)", N_("确认"), tooltip=N_("确认绑定, 立即生效"), id="invites.accept"),
        Binding("n", "answer(False)", N_("拒绝"), tooltip=N_("拒绝这个邀请"), id="invites.decline"),
    ]

    def fetch(self) -> list[agency.BindingView]:
        wb, actor = self.wb_app.wb, self.wb_app.actor
        fn = agency.creator_bindings if actor.role is Role.CREATOR else agency.store_bindings
        return wb.run(fn, actor)

    def columns(self) -> tuple[str, ...]:
        return (_("机构/基地"), _("对象"), _("主播分成"), _("状态"), _("邀请时间"))

    def cells(self, b: agency.BindingView) -> tuple:
        share = format_rate(b.creator_share) if b.creator_share is not None else ""
        return (b.agency, b.party, share, status_text(b.status), local_time(b.invited_at, self.wb_app.actor.zone))

    def action_answer(self, accept: bool) -> None:
        b = self.current()
        if b is None or b.status != "invited":
            return
        fn = agency.answer_creator_binding if self.wb_app.actor.role is Role.CREATOR else agency.answer_store_binding
        self.wb_app.perform(fn, agency.Answer(binding_id=b.id, accept=accept),
                            done=lambda _r: self.app.notify(_("已确认绑定") if accept else _("已拒绝")))
