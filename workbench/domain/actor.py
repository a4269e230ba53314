"""The actor: who a use case runs as. Kept apart from the services so the TUI can hold one (and
receive one from another process) before the store's libraries are loaded."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain.roles import Role


@dataclass(frozen=True, slots=True)
class Actor:
    """The user a use case runs as. `id` is None for the system (scheduler, migrations)."""

    id: int | None
    handle: str
    name: str
    role: Role | None
    zone: str = "Asia/Shanghai"

    @property
    def is_system(self) -> bool:
        return self.id is None


SYSTEM = Actor(id=None, handle="system", name="system", role=None)
