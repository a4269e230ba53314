"""Configuration: the domain numbers of `data/rules.toml` and the user's settings, validated."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workbench.paths import data_dir
from workbench.schema import Check, SchemaError, read


class ConfigError(Exception):
    """Start-up cannot go on; the message is one line naming the file and key."""


Rate = Annotated[Decimal, Check(ge=0, le=1)]
Hours = Annotated[int, Check(gt=0, le=24 * 60)]
Positive = Annotated[int, Check(gt=0)]
_section = dataclass(frozen=True, slots=True)


@_section
class MoneyRules:
    currency: str


@_section
class FlowARules:
    quote_min: Annotated[Decimal, Check(gt=0)]
    schedule_window_days: Positive
    auto_confirm_delivery_days: Positive
    delivery_cap_days: Positive
    exclusive_share_min: Rate
    min_success_rate: Rate
    min_response_rate: Rate
    min_completion_rate: Rate
    record_min_samples: Annotated[int, Check(ge=0)]
    scheduled_grace_hours: Positive
    activity_name: Annotated[str, Check(min_length=1)]


@_section
class FlowBRules:
    acceptance_timeout_hours: Positive
    no_action_refund_days: Positive
    air_day_compensation: Rate
    commission_rate_max: Rate


@_section
class AgencyRules:
    experience_score_min: Annotated[Decimal, Check(ge=0, le=5)]
    free_sign_in_max_level: Annotated[int, Check(ge=0, le=7)]
    sign_in_token_minutes: Positive


@_section
class FeeRules:
    platform_share_bound: Rate
    platform_share_individual: Rate


@_section
class AdmissionRules:
    creator_min_level_v: Annotated[int, Check(ge=0, le=7)]


@_section
class ReminderRules:
    schedule_window: list[Hours]
    latest_delivery: list[Hours]
    acceptance_timeout: list[Hours]
    air_time: list[Hours]
    stock_plan_review: list[Hours]


@_section
class DashboardRules:
    recommendations: Annotated[int, Check(gt=0, le=20)]
    cases: Annotated[int, Check(gt=0, le=10)]
    top_creators_min_level_v: Annotated[int, Check(ge=0, le=7)]


@_section
class ReportRules:
    attribution_days: Annotated[int, Check(gt=0, le=90)]
    live_grace_minutes: Annotated[int, Check(ge=0, le=24 * 60)]


@_section
class ReputationRules:
    """Two-sided reputation (信誉): the merchant's windows and how the record weighs in recommendations."""

    response_hours: Annotated[int, Check(gt=0, le=24 * 60)] = 72
    payment_hours: Annotated[int, Check(gt=0, le=24 * 60)] = 72
    min_cases: Annotated[int, Check(ge=0)] = 3
    stake: Rate = Decimal("0.30")
    weight_response: Rate = Decimal("0.4")
    weight_samples: Rate = Decimal("0.3")
    weight_payment: Rate = Decimal("0.1")
    weight_rating: Rate = Decimal("0.2")
    refresh_minutes: Annotated[int, Check(gt=0, le=7 * 24 * 60)] = 60   # periodic refresh of merchant records

    def check(self) -> None:
        if self.weight_response + self.weight_samples + self.weight_payment + self.weight_rating <= 0:
            raise ValueError("at least one weight must be above 0")


@_section
class Rules:
    """Every number of the domain (DOMAIN.md), from `data/rules.toml`."""

    money: MoneyRules
    flow_a: FlowARules
    flow_b: FlowBRules
    agency: AgencyRules
    fees: FeeRules
    admission: AdmissionRules
    reminders: ReminderRules
    dashboard: DashboardRules
    reports: ReportRules
    reputation: ReputationRules = ReputationRules()


def load_rules(path: Path | None = None) -> Rules:
    """Read and validate the rules file; any problem becomes one ConfigError line."""
    path = path or data_dir() / "rules.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    try:
        return read(Rules, raw)
    except SchemaError as exc:
        raise ConfigError(f"{path}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Settings:
    """Per-run settings from the command line and the environment; checked when made.

    `db_url`: a plain file path means a SQLite file; anything with "://" is an SQLAlchemy URL."""

    db_url: str
    lang: str = "zh"
    zone: str = "Asia/Shanghai"
    now: str | None = None

    def __post_init__(self) -> None:
        if "://" not in self.db_url:
            object.__setattr__(self, "db_url", f"sqlite:///{os.path.abspath(os.path.expanduser(self.db_url))}")
        if self.lang not in ("zh", "en"):
            raise SchemaError("lang", f"unknown language {self.lang!r} (use zh or en)")
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):   # OSError: a name too long for a file
            raise SchemaError("zone", f"unknown time zone {self.zone!r}") from None

    def replace(self, **changes: str | None) -> "Settings":
        return dataclasses.replace(self, **changes)


def env_settings(**overrides: str | None) -> Settings:
    """Settings from WORKBENCH_* variables, with explicit values (the CLI's options) winning."""
    from workbench.i18n import detect_language
    from workbench.paths import default_db_url

    values = {
        "db_url": os.environ.get("WORKBENCH_DB") or default_db_url(),
        "lang": detect_language(),
        "zone": os.environ.get("WORKBENCH_ZONE") or "Asia/Shanghai",
        "now": os.environ.get("WORKBENCH_NOW") or None,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except SchemaError as exc:
        raise ConfigError(str(exc)) from None
