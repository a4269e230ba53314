"""The base of every command model (pydantic): what a use case is asked to do, validated."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from workbench.domain.errors import DomainError
from workbench.i18n import _


class Command(BaseModel):
    """Base of every command model: strict about unknown fields, immutable."""

    # defer_build: a command's validator is built when first used, not when its module is imported
    # (a session imports dozens of commands and uses a few; this saves start-up time and memory).
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)

    @model_validator(mode="after")
    def _numbers_fit_the_store(self) -> "Command":
        """A whole number beyond a 64-bit column names no record and would fail in the driver."""
        for name in type(self).model_fields:
            value = getattr(self, name)
            for v in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(v, int) and not isinstance(v, bool) and not -(2**63) < v < 2**63:
                    raise DomainError(_("数值超出范围: {value}").format(value=v), field=name)
        return self

    @classmethod
    def parse(cls, **values: Any) -> "Command":
        """Validate, turning the first pydantic complaint into a DomainError naming the field."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or None
            ctx = first.get("ctx") or {}
            err = ctx.get("error")
            if isinstance(err, DomainError):
                raise DomainError(err.message, field=field) from None
            msg = str(err) if err else first["msg"]
            raise DomainError(msg, field=field) from None
