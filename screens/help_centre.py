"""Help centre (帮助中心): the articles for the user's role, searchable, in both languages."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from screens.widgets.form import TextInput
from screens.base import WorkScreen
from screens.widgets.panel import Panel
from workbench.i18n import N_, _
from workbench.services import help as help_service
from workbench.services.help import ArticleView


class HelpCentreScreen(WorkScreen):
    CSS_PATH = "help_centre.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到上一页"), id="help.back"),
        Binding("/", "search", N_("搜索"), tooltip=N_("搜索帮助文章"), id="help.search"),
    ]

    def __init__(self, article: str | None = None) -> None:
        super().__init__()
        self.wanted = article
        self.articles: list[ArticleView] = []
        self.first_show = True

    def compose(self) -> ComposeResult:
        yield Header()
        yield TextInput(placeholder=_("搜索帮助 (标题、标签、正文)"), id="query")
        with Horizontal(id="help"):
            yield Panel(_("文章"), OptionList(id="titles"), id="titles-panel")
            yield Panel(_("正文"), VerticalScroll(Static(id="body"), id="body-scroll"), id="body-panel")
        yield Footer()

    def fetch(self) -> list[ArticleView]:
        query = self.query_one("#query", Input).value
        return self.wb_app.wb.run(help_service.search_help, self.wb_app.actor,
                                  help_service.HelpQuery(query=query[:100]))

    def show(self, found: list[ArticleView]) -> None:
        self.articles = found
        titles = self.query_one("#titles", OptionList)
        titles.set_options([Option(a.title, id=a.id) for a in found])
        self.query_one("#titles-panel").border_title = _("文章") + f" ({len(found)})"
        index = next((i for i, a in enumerate(found) if a.id == self.wanted), 0)
        if found:
            titles.highlighted = index
            self._open(found[index])
        else:
            self.query_one("#body", Static).update(Text(_("没有找到相关文章"), style="dim"))
        if self.first_show:
            titles.focus()
            self.first_show = False
        self.wanted = None

    def _open(self, article: ArticleView) -> None:
        self.query_one("#body-panel").border_title = article.title
        body = Text(article.body)
        if article.tags:
            body.append("\n\n" + " · ".join(f"#{t}" for t in article.tags), style="dim")
        self.query_one("#body", Static).update(body)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index < len(self.articles):
            self._open(self.articles[event.option_index])

    def on_input_changed(self, _event: Input.Changed) -> None:
        self.reload()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.query_one("#titles", OptionList).focus()

    def action_search(self) -> None:
        self.query_one("#query", Input).focus()
