"""A creator's profile page (主播主页): who they are, their record, and "I want to cooperate"."""

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
from workbench.domain.formatting import count
from workbench.domain.money import format_money
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services import creators, reputation
from workbench.services.creators import CreatorProfile


class CreatorProfileScreen(WorkScreen):
    CSS_PATH = "creator_profile.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到上一页"), id="profile.back"),
        Binding("o", "order", N_("我要合作"), tooltip=N_("给该主播下直播任务"), id="profile.order"),
    ]

    def __init__(self, creator_id: int) -> None:
        super().__init__()
        self.creator_id = creator_id
        self.profile: CreatorProfile | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="profile"):
            yield Panel(_("主播"), VerticalScroll(Static(id="about")), id="about-panel")
            yield Panel(_("合作记录"), Static(id="record"), id="record-panel",
                        more=_("回应率 = 已回应 / 收到的任务; 完成率 = 完成 / (完成 + 达人取消)"))
        yield Footer()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "order":
            if self.wb_app.actor.role is not Role.MERCHANT:
                return False
            return None if self.profile and not self.profile.card.orderable else True
        return True

    def fetch(self) -> tuple[CreatorProfile, reputation.CreatorReputation]:
        actor = self.wb_app.actor
        return (self.wb_app.wb.run(creators.creator_profile, actor, self.creator_id),
                self.wb_app.wb.run(reputation.creator_reputation, actor, self.creator_id))

    def show(self, view: tuple[CreatorProfile, reputation.CreatorReputation]) -> None:
        p, rep = view
        self.profile = p
        c = p.card
        self.query_one("#about-panel").border_title = c.nickname
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        state = (Text(_("休息中, 暂不接单"), style="bold yellow") if c.resting
                 else Text(_("营业中, 可下单"), style="bold green") if c.orderable
                 else Text(_("未通过主播准入"), style="dim"))
        for label, value in ((_("状态"), state), (_("等级"), f"V{c.level_v} · L{c.level_l}"),
                             (_("粉丝"), count(c.fans)), (_("场均观看"), count(c.avg_viewers)),
                             (_("报价/小时"), format_money(c.quote_cents)), (_("类目"), "、".join(c.categories)),
                             (_("简介"), p.bio)):
            grid.add_row(label, value)
        self.query_one("#about", Static).update(grid)
        record = Table.grid(padding=(0, 2))
        record.add_column(style="dim", no_wrap=True)
        record.add_column(justify="right", style="bold")
        for label, value in ((_("完成任务"), str(c.completed)), (_("接单"), str(p.accepted)),
                             (_("拒绝"), str(p.rejected)), (_("达人取消"), str(p.cancelled_by_creator)),
                             (_("超时未接"), str(p.timed_out)), (_("回应率"), p.response_rate),
                             (_("完成率"), p.completion_rate)):
            record.add_row(label, value)
        # Ratings received from merchants, with the definition beside the figure.
        ratings = Text()
        for f in rep.figures:
            ratings.append(f"\n{f.label}  ", style="dim").append(f.value, style="bold").append(f"  ({f.basis})\n",
                                                                                            style="dim")
            ratings.append(f.definition + "\n", style="dim italic")
        for r in rep.ratings[:3]:
            ratings.append(f"{'★' * r.score}{'☆' * (5 - r.score)} ", style="yellow").append(f"{r.rater}\n", style="dim")
            if r.comment:
                ratings.append(f"  {r.comment}\n")
        self.query_one("#record", Static).update(Group(record, ratings))
        self.refresh_bindings()

    def action_order(self) -> None:
        if self.profile and self.profile.card.orderable:
            self.wb_app.action_open("task_form", creator_id=self.creator_id)
