"""What the home dashboard shows: plain values only, so the view can be read in one process and
shown in another (the first screen is read while the UI loads) without the store's libraries."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain.roles import Role


@dataclass(frozen=True, slots=True)
class TodoItem:
    key: str
    label: str
    count: int
    screen: str | None
    filter: str | None = None   # what the screen opens filtered on, e.g. a task status


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Step:
    title: str
    done: bool
    screen: str | None
    help: str | None


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A creator (for merchants) or a product (for creators), with why it is recommended."""

    kind: str          # "creator" | "product"
    ref_id: int
    title: str
    columns: tuple[str, ...]
    reason: str
    detail: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CaseView:
    who: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class DashboardView:
    user: str
    role: Role
    todo: list[TodoItem]
    figures: list[Figure]
    steps: list[Step]
    rec_kind: str
    rec_headers: tuple[str, ...]
    recommendations: list[Recommendation]
    cases: list[CaseView]
