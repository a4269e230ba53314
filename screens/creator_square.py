"""The creator square (主播广场): search and filter creators; resting ones shown, not orderable."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Select

from screens.widgets.form import TextInput
from screens.base import WorkScreen
from screens.widgets.panel import Panel
from screens.widgets.table import fill_table
from workbench.domain.errors import DomainError
from workbench.domain.formatting import count
from workbench.domain.money import format_money
from workbench.domain.roles import Role
from workbench.domain.validate import CATEGORIES
from workbench.i18n import N_, _
from workbench.services import creators
from workbench.services.creators import CreatorCard


def _count(text: str, field: str) -> int:
    """A count typed into a filter: empty for none, else a whole number of at most 12 digits."""
    try:
        value = int(text) if text.isdigit() and len(text) <= 12 else -1
    except ValueError:   # a digit int() does not take, such as "²"
        value = -1
    if not text:
        return 0
    if value < 0:
        raise DomainError(_("请输入不超过 12 位的整数"), field=field)
    return value


class CreatorSquareScreen(WorkScreen):
    CSS_PATH = "creator_square.tcss"
    LIST_KEY = "creators"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="square.back"),
        Binding("enter", "profile", N_("主页"), tooltip=N_("打开主播主页"), id="square.profile", show=False),
        Binding("o", "order", N_("下单"), tooltip=N_("给选中的主播下直播任务"), id="square.order"),
        Binding("/", "search", N_("搜索"), tooltip=N_("按昵称或简介搜索"), id="square.search"),
        Binding("s", "cycle_sort", N_("排序"), tooltip=N_("按场均观看、粉丝、报价、等级"), id="square.sort"),
        Binding("v", "views", N_("视图"), tooltip=N_("使用、保存、重命名、删除视图, 设默认视图"), id="square.views"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[CreatorCard] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="filters", id="filters1"):
            yield TextInput(placeholder=_("搜索昵称、简介"), id="text", compact=True)
            yield Select([(c, c) for c in CATEGORIES], prompt=_("全部类目"), id="category", compact=True)
            yield Select([(_("按场均观看"), "viewers"), (_("按粉丝"), "fans"), (_("按报价"), "quote"),
                          (_("按等级"), "level")], value="viewers", allow_blank=False, id="sort", compact=True)
        with Horizontal(classes="filters", id="filters2"):
            yield TextInput(placeholder=_("最低粉丝"), id="min_fans", type="integer", compact=True)
            yield TextInput(placeholder=_("最低场均观看"), id="min_viewers", type="integer", compact=True)
            yield TextInput(placeholder=_("最高报价"), id="max_quote", compact=True)
            yield Select([(f"L{n}+", str(n)) for n in range(1, 8)], prompt=_("全部等级"), id="min_level",
                         compact=True)
        yield Panel(_("主播广场"), DataTable(id="creators", cursor_type="row", zebra_stripes=True),
                    id="square-panel", more=_("Enter 主页 · o 下单 · / 搜索 · s 排序 · v 视图"))
        yield Footer()

    def on_mount(self) -> None:   # the base classes' on_mount (the first load) runs after this one
        self.query_one("#creators").focus()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "order":
            return self.wb_app.actor.role is Role.MERCHANT
        return True

    def list_filters(self) -> dict[str, str]:
        category = self.query_one("#category", Select).value
        level = self.query_one("#min_level", Select).value
        return {"text": self.query_one("#text", Input).value.strip(),
                "category": category if isinstance(category, str) else "",
                "min_fans": self.query_one("#min_fans", Input).value.strip(),
                "min_viewers": self.query_one("#min_viewers", Input).value.strip(),
                "max_quote": self.query_one("#max_quote", Input).value.strip(),
                "min_level": level if isinstance(level, str) else ""}

    def set_list_filters(self, filters: dict[str, str]) -> None:
        for name in ("text", "min_fans", "min_viewers", "max_quote"):
            self.query_one(f"#{name}", Input).value = filters.get(name, "")
        for name in ("category", "min_level"):
            value = filters.get(name, "")
            self.query_one(f"#{name}", Select).value = value if value else Select.NULL

    def describe_filters(self, filters: dict[str, str]) -> str:
        labels = {"min_fans": _("粉丝≥{v}"), "min_viewers": _("场均观看≥{v}"), "max_quote": _("报价≤¥{v}"),
                  "min_level": "L{v}+"}
        return " · ".join(labels.get(k, "{v}").format(v=v) for k, v in filters.items() if v)

    def show_sort(self, name: str) -> None:
        self.query_one("#sort", Select).value = name or "viewers"

    def _query(self) -> creators.CreatorQuery:
        f = self.list_filters()
        sort = self.query_one("#sort", Select).value
        self.list_sort = sort if isinstance(sort, str) else "viewers"
        return creators.CreatorQuery.parse(
            text=f["text"], category=f["category"] or None,
            min_fans=_count(f["min_fans"], "min_fans"),
            min_viewers=_count(f["min_viewers"], "min_viewers"),
            min_level=int(f["min_level"]) if f["min_level"] else 0,
            max_quote=f["max_quote"] or None, sort=self.list_sort)

    def fetch(self) -> list[CreatorCard] | DomainError:
        try:
            query = self._query()
        except DomainError as exc:
            return exc
        return self.wb_app.wb.run(creators.search_creators, self.wb_app.actor, query)

    def show(self, result: list[CreatorCard] | DomainError) -> None:
        panel = self.query_one("#square-panel")
        if isinstance(result, DomainError):
            panel.border_subtitle = Text(f"✗ {result}")   # plain text: it may echo what was typed
            return
        panel.border_subtitle = _("Enter 主页 · o 下单 · / 搜索 · s 排序 · v 视图")
        self.cards = result
        rows = []
        for c in result:
            status = (Text(_("休息中"), style="yellow") if c.resting
                      else Text(_("可下单"), style="green") if c.orderable else Text(_("未准入"), style="dim"))
            rows.append((Text(c.nickname, style="dim" if not c.orderable else "bold"), status,
                         f"V{c.level_v}/L{c.level_l}", count(c.fans), count(c.avg_viewers),
                         format_money(c.quote_cents), str(c.completed), "、".join(c.categories)))
        fill_table(self.query_one("#creators", DataTable),
                   (_("主播"), _("状态"), _("等级"), _("粉丝"), _("场均观看"), _("报价/小时"), _("合作任务"), _("类目")),
                   rows, [str(c.id) for c in result])
        panel.border_title = self.list_title(_("主播广场")) + f" ({len(result)})"

    def on_input_changed(self, _event: Input.Changed) -> None:
        self.reload()

    def on_select_changed(self, _event: Select.Changed) -> None:
        self.reload()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.query_one("#creators").focus()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_profile()

    def _current(self) -> CreatorCard | None:
        table = self.query_one("#creators", DataTable)
        return self.cards[table.cursor_row] if self.cards and table.cursor_row < len(self.cards) else None

    def action_profile(self) -> None:
        card = self._current()
        if card:
            self.wb_app.action_open("creator_profile", creator_id=card.id)

    def action_order(self) -> None:
        card = self._current()
        if card is None:
            return
        if not card.orderable:
            self.app.notify(_("{name} 休息中, 暂不接单").format(name=card.nickname) if card.resting
                            else _("{name} 未通过主播准入, 不能下单").format(name=card.nickname), severity="warning")
            return
        self.wb_app.action_open("task_form", creator_id=card.id)

    _typed_ahead = False

    def action_search(self) -> None:
        self.set_focus(self.query_one("#text", Input))
        self._typed_ahead = True

    def on_key(self, event: events.Key) -> None:
        """What is typed right after `/` (an input method commits a whole word in one write) is
        handed to the table before `/`'s binding moves the focus: `/` is taken here instead, and
        the characters queued behind it are passed on to the search field."""
        field = self.query_one("#text", Input)
        if event.key == "slash" and self.focused is not field:
            self.action_search()
            event.stop()
            event.prevent_default()
            return
        if self._typed_ahead and event.is_printable and event.character and self.focused is field:
            field.insert_text_at_cursor(event.character)
            event.stop()
            return
        self._typed_ahead = False

    def on_descendant_focus(self, event) -> None:
        if event.widget is not self.query_one("#text", Input):
            self._typed_ahead = False
