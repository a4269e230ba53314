"""Help centre (帮助中心): role-specific articles in both languages, searchable."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from workbench.content import articles
from workbench.i18n import pick
from workbench.services.base import Actor, Command, read_only
from workbench.store.uow import UnitOfWork


class HelpQuery(Command):
    query: str = Field(default="", max_length=100)


@dataclass(frozen=True, slots=True)
class ArticleView:
    id: str
    title: str
    body: str
    tags: tuple[str, ...]


def _view(a) -> ArticleView:
    return ArticleView(a.id, pick(a.title_zh, a.title_en), pick(a.body_zh, a.body_en), tuple(a.tags))


@read_only
def search_help(uow: UnitOfWork | None, actor: Actor, cmd: HelpQuery | None = None) -> list[ArticleView]:
    """Articles for the actor's role whose title, tags or text contain every word of the query."""
    query = cmd.query if cmd else ""
    role = actor.role.value if actor.role else None
    words = [w.casefold() for w in query.split()]
    found = []
    for a in articles():
        if role and role not in a.roles:
            continue
        haystack = " ".join([a.title_zh, a.title_en, a.body_zh, a.body_en, *a.tags]).casefold()
        if all(w in haystack for w in words):
            found.append(a)
    # Title hits first, then the file's order.
    found.sort(key=lambda a: not any(w in (a.title_zh + a.title_en).casefold() for w in words))
    return [_view(a) for a in found]


def article(actor: Actor, article_id: str) -> ArticleView | None:
    role = actor.role.value if actor.role else None
    for a in articles():
        if a.id == article_id and (role is None or role in a.roles):
            return _view(a)
    return None
