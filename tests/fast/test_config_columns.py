"""The config file's ``[columns]`` table: read, checked, and rewritten alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from amitui.config import ConfigError, load_config, save_columns

pytestmark = pytest.mark.fast

USER_FILE = """\
# my amitui
regions = ["us-east-1"]

[columns]   # written by amitui
show = ["region"]

[keys]
copy = "C"
"""


def test_saving_rewrites_only_the_columns_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    save_columns({"owner": True, "boot": False, "root": False}, path)
    config = load_config(path)
    assert config.columns == {"owner": True, "boot": False, "root": False}
    assert config.regions == ("us-east-1",) and config.keys == {"copy": "C"}
    text = path.read_text()
    assert text.startswith("# my amitui\n") and text.count("[columns]") == 1
    save_columns({}, path)
    assert load_config(path).columns == {}


def test_saving_creates_the_file_and_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "amitui" / "config.toml"
    save_columns({"size": False}, path)
    assert load_config(path).columns == {"size": False}


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ('show = ["colour"]', "[columns] show: no column 'colour'; the columns are account"),
        ('show = ["boot"]\nhide = ["boot"]', "names 'boot' in both show and hide"),
        ('show = "boot"', "[columns] show must be a list of column keys"),
        ('wide = ["boot"]', "[columns] takes show and hide, not wide"),
    ],
)
def test_a_bad_columns_table_says_what_is_wrong(tmp_path: Path, table: str, error: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[columns]\n{table}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert error in str(raised.value)


def test_a_file_it_cannot_rewrite_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('columns.show = ["owner"]\n')  # a dotted key, not a [columns] header
    with pytest.raises(ConfigError, match="cannot write"):
        save_columns({"boot": False}, path)
    assert path.read_text() == 'columns.show = ["owner"]\n'
