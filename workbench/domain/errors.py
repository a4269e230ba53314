"""Errors for humans: every refusal carries a message and, where it applies, the field."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the action. `message` is already translated for the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class NotFound(DomainError):
    """The record does not exist, or is not visible to the actor (the same answer for both)."""


class Forbidden(DomainError):
    """The actor's role may not perform this action."""


class Conflict(DomainError):
    """The record changed state in the meantime; the action no longer applies."""
