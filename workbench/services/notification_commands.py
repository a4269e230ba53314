"""The commands of the notification use cases (services.notifications), kept apart so that the
session's poll of its inbox does not load pydantic."""

from __future__ import annotations

from pydantic import Field

from workbench.services.base import Command


class NotificationQuery(Command):
    read: str = Field(default="all", pattern="^(all|unread)$", description="all (the default) or unread")
    sort: str = Field(default="newest", description="newest or oldest")
    view: str | None = Field(default=None, description="a saved view's name: its filter and sort")


class NoteIds(Command):
    ids: list[int] = Field(min_length=1, description="notification ids")


class MarkRead(Command):
    ids: list[int] | None = None  # None: all of the actor's unread notifications
