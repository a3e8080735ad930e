"""magento_time reads Magento's plain "YYYY-MM-DD HH:MM:SS" with ``fromisoformat`` (three per
order: issue 16) and anything else with ``strptime``: the same answer as ``strptime`` alone."""

from datetime import UTC, datetime

import pytest
from connect_magento.client import magento_time

VALUES = [
    "2026-01-31 22:10:00",
    "2024-02-29 23:59:59",
    "2026-01-31 22:10:00.123456",  # read to the second
    "2026-01-31 22:10:00+01:00",
    "2026-13-31 22:10:00",
    "2026-02-30 22:10:00",
    "2026-01-31 24:00:00",
    "2026-01-31 22:10:60",
    "2026-1-31 2:10:00",
    "2026-01-31T22:10:00",
    "2026-01-31",
    "abcd-01-31 22:10:00",
    "\u0662\u0660\u0662\u0666-01-31 22:10:00",  # Arabic-Indic digits: strptime reads them
    "",
    None,
]


def by_strptime(value):
    if not value:
        return None
    try:
        return datetime.strptime(str(value)[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


@pytest.mark.parametrize("value", VALUES, ids=[f"v{i}" for i in range(len(VALUES))])
def test_magento_time_reads_as_strptime_does(value):
    assert magento_time(value) == by_strptime(value)


def test_magento_time_is_aware_utc():
    assert magento_time("2026-01-31 22:10:00") == datetime(2026, 1, 31, 22, 10, tzinfo=UTC)
