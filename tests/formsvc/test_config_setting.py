"""formsvc.config.setting: a setting's value, its default declared once (in formsvc/config.py)."""

from __future__ import annotations

import pytest

from formsvc import config
from formsvc.services import deadlines


def test_a_setting_comes_from_the_config_or_from_its_one_default() -> None:
    assert config.setting({"DUE_SOON_DAYS": 4}, "DUE_SOON_DAYS") == 4
    assert config.setting({}, "DUE_SOON_DAYS") == config.DUE_SOON_DAYS
    # the services' fallbacks are the module's defaults, not numbers of their own
    assert deadlines.due_soon_days({}) == config.DUE_SOON_DAYS
    assert deadlines.due_soon_days({"DUE_SOON_DAYS": "3"}) == 3


def test_a_misspelt_or_private_name_is_an_error_not_a_silent_default() -> None:
    for name in ("DUE_SOON_DAY", "county_date", "holidays_file"):
        with pytest.raises(KeyError):
            config.setting({}, name)

