"""Texts kept in `data/`: guided steps, help articles and success cases, validated on load."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.config import ConfigError
from workbench.paths import data_dir

ROLES = ("merchant", "creator", "agency", "support")


class _Text(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GuideStep(_Text):
    role: str = Field(pattern="^(merchant|creator|agency|support)$")
    title_zh: str
    title_en: str
    done: str = Field(pattern=r"^(verified|action:[a-z_]+\.[a-z_]+(\|[a-z_]+\.[a-z_]+)*)$")
    screen: str | None = None
    help: str | None = None


class Article(_Text):
    id: str
    roles: list[str]
    title_zh: str
    title_en: str
    tags: list[str] = Field(default_factory=list)
    body_zh: str
    body_en: str


class Case(_Text):
    role: str = Field(pattern="^(merchant|creator|agency|support)$")
    who_zh: str
    who_en: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str


def _load(name: str, key: str, model: type[_Text]) -> tuple:
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
            items.append(model.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"{path}: {key}[{i}].{loc}: {first['msg']}") from None
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
