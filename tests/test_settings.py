"""hub.settings: every HUB_* variable read in one place, the defaults written once (the class)."""

import dataclasses

import pytest

from hub.errors import BadInput
from hub.settings import Settings, load_settings


def test_plain_fields_come_from_hub_and_their_name_with_the_class_defaults(tmp_path):
    defaults = load_settings({"HUB_INSTANCE_DIR": str(tmp_path)})
    for name in ("workers", "held_order_max_age_hours", "http_backoff", "log_level"):
        field = next(f for f in dataclasses.fields(Settings) if f.name == name)
        assert getattr(defaults, name) == field.default
    read = load_settings(
        {
            "HUB_INSTANCE_DIR": str(tmp_path),
            "HUB_WORKERS": "5",
            "HUB_HTTP_BACKOFF": "0.1",
            "HUB_PLUGINS_STRICT": "yes",
            "HUB_LOG_LEVEL": "DEBUG",
            "HUB_RUN_RETENTION_DAYS": "",  # empty: the default
            "HUB_TESTING": "1",  # not a variable: set by the code only
        }
    )
    assert (read.workers, read.http_backoff, read.plugins_strict, read.log_level) == (
        5,
        0.1,
        True,
        "DEBUG",
    )
    assert read.run_retention_days == 90 and read.testing is False


def test_a_malformed_number_names_its_variable(tmp_path):
    with pytest.raises(BadInput, match="HUB_WORKERS must be a number, got 'two'"):
        load_settings({"HUB_INSTANCE_DIR": str(tmp_path), "HUB_WORKERS": "two"})
