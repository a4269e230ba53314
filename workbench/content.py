"""Texts kept in `data/`: guided steps, help articles and success cases, validated on load."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated

from workbench.config import ConfigError
from workbench.paths import data_dir
from workbench.schema import Check, SchemaError, read

ROLES = ("merchant", "creator", "agency", "support")
Role = Annotated[str, Check(pattern="^(merchant|creator|agency|support)$")]
_text = dataclass(frozen=True, slots=True)


@_text
class GuideStep:
    role: Role
    title_zh: str
    title_en: str
    done: Annotated[str, Check(pattern=r"^(verified|action:[a-z_]+\.[a-z_]+(\|[a-z_]+\.[a-z_]+)*)$")]
    screen: str | None = None
    help: str | None = None


@_text
class Article:
    id: str
    roles: list[str]
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    tags: list[str] = field(default_factory=list)


@_text
class Case:
    role: Role
    who_zh: str
    who_en: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str


def _load(name: str, key: str, model: type) -> tuple:
    path: Path = data_dir() / name
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    items = []
    for i, item in enumerate(raw.get(key, [])):
        try:
            items.append(read(model, item))
        except SchemaError as exc:
            raise ConfigError(f"{path}: {key}[{i}].{exc}") from None
    return tuple(items)


@cache
def guide() -> tuple[GuideStep, ...]:
    return _load("guide.toml", "step", GuideStep)


@cache
def articles() -> tuple[Article, ...]:
    return _load("help/articles.toml", "article", Article)


@cache
def cases() -> tuple[Case, ...]:
    return _load("cases.toml", "case", Case)
