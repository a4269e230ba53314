"""The rules file is validated at start-up; a problem is one line naming the key."""

import shutil
from pathlib import Path

import pytest

from workbench.config import ConfigError, env_settings, load_rules
from workbench.paths import data_dir


def _copy_rules(tmp_path: Path, edit) -> Path:
    path = tmp_path / "rules.toml"
    shutil.copy(data_dir() / "rules.toml", path)
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_the_shipped_rules_carry_the_domain_numbers():
    rules = load_rules()
    assert rules.flow_a.schedule_window_days == 5
    assert rules.flow_a.auto_confirm_delivery_days == 15
    assert rules.flow_a.delivery_cap_days == 27
    assert str(rules.flow_a.exclusive_share_min) == "0.20"
    assert rules.flow_b.acceptance_timeout_hours == 72
    assert str(rules.fees.platform_share_bound) == "0.30"
    assert str(rules.fees.platform_share_individual) == "0.40"
    assert rules.agency.free_sign_in_max_level == 4


def test_a_missing_key_is_named(tmp_path):
    path = _copy_rules(tmp_path, lambda t: t.replace("schedule_window_days = 5", ""))
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert str(err.value).endswith("flow_a.schedule_window_days: missing key")
    assert "\n" not in str(err.value)


def test_a_bad_value_is_named(tmp_path):
    path = _copy_rules(tmp_path, lambda t: t.replace('exclusive_share_min = "0.20"', 'exclusive_share_min = "2"'))
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert "flow_a.exclusive_share_min" in str(err.value)


def test_broken_toml_is_reported(tmp_path):
    path = _copy_rules(tmp_path, lambda t: t + "\n[oops\n")
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert "not valid TOML" in str(err.value)


def test_unknown_language_and_zone_are_refused():
    with pytest.raises(ConfigError) as err:
        env_settings(db_url="sqlite://", lang="fr")
    assert str(err.value).startswith("lang:")
    with pytest.raises(ConfigError) as err:
        env_settings(db_url="sqlite://", zone="Mars/Base")
    assert str(err.value).startswith("zone:")


def test_a_plain_path_means_a_sqlite_file(tmp_path):
    settings = env_settings(db_url=str(tmp_path / "x.db"))
    assert settings.db_url == f"sqlite:///{tmp_path / 'x.db'}"
