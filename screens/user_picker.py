"""The user picker (选择用户): who to sign in as, grouped by role."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import WorkScreen
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services import users


class UserPickerScreen(WorkScreen):
    CSS_PATH = "user_picker.tcss"
    BINDINGS = [Binding("escape", "back", N_("返回"), tooltip=N_("回到当前用户"), id="picker.back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="picker"):
            yield Static(_("选择用户"), classes="title")
            yield Static(_("以该用户的角色和可见范围使用工作台"), classes="muted")
            yield OptionList(id="users")
        yield Footer()

    def fetch(self) -> list[users.UserView]:
        return self.wb_app.wb.run(users.list_users)

    def show(self, rows: list[users.UserView]) -> None:
        options: list[Option | None] = []
        role: Role | None = None
        for u in rows:
            if u.role is not role:
                if role is not None:
                    options.append(None)
                role = u.role
                options.append(Option(Text(f"— {role.label} —", style="bold"), disabled=True))
            line = Text.assemble((u.name, "bold"), "  ", (u.handle, "dim"), "  ", u.detail)
            if not u.verified:
                line.append("  " + _("未认证"), style="italic yellow")
            options.append(Option(line, id=u.handle))
        listing = self.query_one(OptionList)
        highlighted = listing.highlighted
        listing.set_options(options)
        if highlighted is not None and highlighted < len(options):
            listing.highlighted = highlighted
        else:
            listing.action_first()
        listing.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        actor = self.wb_app.wb.sign_in(event.option.id)
        self.wb_app.start_as(actor)

    def action_back(self) -> None:
        if self.wb_app.actor is not None:
            self.dismiss()
