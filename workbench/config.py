"""Configuration: the domain numbers of `data/rules.toml` and the user's settings, validated."""

from __future__ import annotations

import os
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbench.paths import data_dir


class ConfigError(Exception):
    """Start-up cannot go on; the message is one line naming the file and key."""


Rate = Annotated[Decimal, Field(ge=0, le=1)]
Hours = Annotated[int, Field(gt=0, le=24 * 60)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MoneyRules(_Section):
    currency: str


class FlowARules(_Section):
    quote_min: Annotated[Decimal, Field(gt=0)]
    schedule_window_days: Annotated[int, Field(gt=0)]
    auto_confirm_delivery_days: Annotated[int, Field(gt=0)]
    delivery_cap_days: Annotated[int, Field(gt=0)]
    exclusive_share_min: Rate
    min_success_rate: Rate
    min_response_rate: Rate
    min_completion_rate: Rate
    record_min_samples: Annotated[int, Field(ge=0)]
    scheduled_grace_hours: Annotated[int, Field(gt=0)]
    activity_name: Annotated[str, Field(min_length=1)]


class FlowBRules(_Section):
    acceptance_timeout_hours: Annotated[int, Field(gt=0)]
    no_action_refund_days: Annotated[int, Field(gt=0)]
    air_day_compensation: Rate
    commission_rate_max: Rate


class AgencyRules(_Section):
    experience_score_min: Annotated[Decimal, Field(ge=0, le=5)]
    free_sign_in_max_level: Annotated[int, Field(ge=0, le=7)]
    sign_in_token_minutes: Annotated[int, Field(gt=0)]


class FeeRules(_Section):
    platform_share_bound: Rate
    platform_share_individual: Rate


class AdmissionRules(_Section):
    creator_min_level_v: Annotated[int, Field(ge=0, le=7)]


class ReminderRules(_Section):
    schedule_window: list[Hours]
    latest_delivery: list[Hours]
    acceptance_timeout: list[Hours]
    air_time: list[Hours]
    stock_plan_review: list[Hours]


class DashboardRules(_Section):
    recommendations: Annotated[int, Field(gt=0, le=20)]
    cases: Annotated[int, Field(gt=0, le=10)]
    top_creators_min_level_v: Annotated[int, Field(ge=0, le=7)]


class ReportRules(_Section):
    attribution_days: Annotated[int, Field(gt=0, le=90)]
    live_grace_minutes: Annotated[int, Field(ge=0, le=24 * 60)]


class ReputationRules(_Section):
    """Two-sided reputation (信誉): the merchant's windows and how the record weighs in recommendations."""

    response_hours: Annotated[int, Field(gt=0, le=24 * 60)] = 72
    payment_hours: Annotated[int, Field(gt=0, le=24 * 60)] = 72
    min_cases: Annotated[int, Field(ge=0)] = 3
    stake: Rate = Decimal("0.30")
    weight_response: Rate = Decimal("0.4")
    weight_samples: Rate = Decimal("0.3")
    weight_payment: Rate = Decimal("0.1")
    weight_rating: Rate = Decimal("0.2")
    refresh_minutes: Annotated[int, Field(gt=0, le=7 * 24 * 60)] = 60   # periodic refresh of merchant records

    @field_validator("weight_rating")
    @classmethod
    def _some_weight(cls, v: Decimal, info) -> Decimal:
        d = info.data
        if v + d.get("weight_response", 0) + d.get("weight_samples", 0) + d.get("weight_payment", 0) <= 0:
            raise ValueError("at least one weight must be above 0")
        return v


class Rules(_Section):
    """Every number of the domain (DOMAIN.md), from `data/rules.toml`."""

    money: MoneyRules
    flow_a: FlowARules
    flow_b: FlowBRules
    agency: AgencyRules
    fees: FeeRules
    admission: AdmissionRules
    reminders: ReminderRules
    dashboard: DashboardRules
    reputation: ReputationRules = ReputationRules()
    reports: ReportRules



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
        return Rules.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        msg = first["msg"]
        if first["type"] == "missing":
            msg = "missing key"
        elif first["type"] == "extra_forbidden":
            msg = "unknown key"
        raise ConfigError(f"{path}: {key}: {msg}") from None


class Settings(BaseModel):
    """Per-run settings from the command line and the environment."""

    model_config = ConfigDict(frozen=True)

    db_url: str
    lang: str = "zh"
    zone: str = "Asia/Shanghai"
    now: str | None = None

    @field_validator("db_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        """A plain file path means a SQLite file; anything with "://" is an SQLAlchemy URL."""
        if "://" in value:
            return value
        return f"sqlite:///{os.path.abspath(os.path.expanduser(value))}"

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        if value not in ("zh", "en"):
            raise ValueError(f"unknown language {value!r} (use zh or en)")
        return value

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):   # OSError: a name too long for a file
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


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
        return Settings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{key}: {first['msg'].removeprefix('Value error, ')}") from None
