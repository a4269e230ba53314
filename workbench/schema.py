"""Typed records read from the TOML files in `data/`: the rules, the guide, the cases, the help.

Those files are a handful of sections of numbers and texts, read by every process at start-up:
the TUI, the first screen's reader, `workbench tick` and each command. A frozen dataclass per
section with its bounds in `Annotated` metadata says what the file may hold as plainly as a
pydantic model did, and reading one costs a few milliseconds where importing pydantic and
building its validators cost about 100 ms of every start (a third of the TUI's budget).
Pydantic still validates every command of the services.

`read(cls, raw)` builds `cls` from a TOML table: unknown keys, missing keys, a wrong type or a
value out of its bounds raise `SchemaError` naming the key path and the problem.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Check:
    """Bounds of a value (numbers) or its length and pattern (texts)."""

    gt: Any = None
    ge: Any = None
    le: Any = None
    min_length: int | None = None
    pattern: str | None = None


class SchemaError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key, self.message = key, message


@cache
def _fields(cls: type) -> tuple[tuple[str, Any, tuple[Check, ...], Any], ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    out = []
    for f in dataclasses.fields(cls):
        hint, checks = hints[f.name], ()
        if typing.get_origin(hint) is typing.Annotated:
            hint, *meta = typing.get_args(hint)
            checks = tuple(m for m in meta if isinstance(m, Check))
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else dataclasses.MISSING)
        out.append((f.name, hint, checks, default))
    return tuple(out)


def read(cls: type[T], raw: Any, key: str = "") -> T:
    """`cls` built from the table `raw`; `key` is where the table sits, for messages."""
    if not isinstance(raw, dict):
        raise SchemaError(key or cls.__name__, "should be a table")
    prefix = f"{key}." if key else ""
    fields = _fields(cls)
    known = {name for name, *_rest in fields}
    for name in raw:
        if name not in known:
            raise SchemaError(prefix + str(name), "unknown key")
    values = {}
    for name, hint, checks, default in fields:
        if name not in raw:
            if default is dataclasses.MISSING:
                raise SchemaError(prefix + name, "missing key")
            values[name] = default
            continue
        values[name] = _value(hint, checks, raw[name], prefix + name)
    obj = cls(**values)
    check = getattr(obj, "check", None)
    if check is not None:
        try:
            check()
        except ValueError as exc:
            raise SchemaError(key or cls.__name__, str(exc)) from None
    return obj


def _value(hint: Any, checks: tuple[Check, ...], value: Any, key: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        hint = next(a for a in args if a is not type(None))
        origin = typing.get_origin(hint)
    if origin in (list, tuple):
        (item,) = typing.get_args(hint)[:1]
        if not isinstance(value, list):
            raise SchemaError(key, "should be a list")
        inner = typing.get_args(item)[1:] if typing.get_origin(item) is typing.Annotated else ()
        base = typing.get_args(item)[0] if inner else item
        items = [_value(base, tuple(c for c in inner if isinstance(c, Check)), v, f"{key}.{i}")
                 for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if dataclasses.is_dataclass(hint):
        return read(hint, value, key)
    if hint is bool:
        if not isinstance(value, bool):
            raise SchemaError(key, "should be true or false")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemaError(key, "should be a whole number")
    elif hint is Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise SchemaError(key, "should be a number")
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            raise SchemaError(key, "should be a number") from None
        if not value.is_finite():
            raise SchemaError(key, "should be a finite number")
    elif hint is str:
        if not isinstance(value, str):
            raise SchemaError(key, "should be text")
    else:   # pragma: no cover - a schema mistake, not a file mistake
        raise TypeError(f"{key}: unsupported field type {hint!r}")
    for c in checks:
        _check(c, value, key)
    return value


def _check(c: Check, value: Any, key: str) -> None:
    if c.gt is not None and not value > c.gt:
        raise SchemaError(key, f"should be greater than {c.gt}")
    if c.ge is not None and not value >= c.ge:
        raise SchemaError(key, f"should be at least {c.ge}")
    if c.le is not None and not value <= c.le:
        raise SchemaError(key, f"should be at most {c.le}")
    if c.min_length is not None and len(value) < c.min_length:
        raise SchemaError(key, f"should have at least {c.min_length} character(s)")
    if c.pattern is not None and not re.match(c.pattern, value):
        raise SchemaError(key, f"should match {c.pattern}")
