"""Settings: defaults, environment, and the README's table kept true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.settings import Settings

README = Path(__file__).parents[1] / "README.md"


def test_readme_documents_every_setting_with_its_default() -> None:
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `(\w+)` \| `NEWSGRAPH_(\w+)` \| `([^`]*)` \| (.+) \|$", line)
        if match:
            rows[match.group(1)] = (match.group(2), match.group(3), match.group(4))
    documented = set(rows)
    declared = {name for name, _, _ in Settings.describe()}
    assert documented == declared
    for name, default, help_text in Settings.describe():
        env, shown_default, shown_help = rows[name]
        assert env == name.upper()
        assert shown_default == repr(default)
        assert shown_help == help_text


def test_environment_overrides_defaults() -> None:
    settings = Settings.from_env({"NEWSGRAPH_MAX_PAGE_SIZE": "50", "NEWSGRAPH_EXPLORER": "no",
                                  "NEWSGRAPH_QUERY_TIMEOUT": "1.5", "OTHER": "x"})
    assert (settings.max_page_size, settings.explorer, settings.query_timeout) == (50, False, 1.5)
    assert settings.max_depth == Settings().max_depth


def test_overrides_win_over_environment() -> None:
    assert Settings.from_env({"NEWSGRAPH_MAX_DEPTH": "3"}, max_depth=4).max_depth == 4


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ValueError, match="NEWSGRAPH_MAX_DEPTH"):
        Settings.from_env({"NEWSGRAPH_MAX_DEPTH": "deep"})
