"""The user's config file and the platform directories amitui uses.

``$XDG_CONFIG_HOME/amitui/config.toml`` (or ``$AMITUI_CONFIG``) may hold::

    regions = ["us-east-1", "eu-west-1"]   # default region list (--all-regions overrides)
    [keys]                                  # key overrides, binding id -> keys
    copy = "C"
    [accounts]                              # the accounts read when the command line names none
    profiles = ["prod-*", "staging"]        # names or globs (or all_profiles = true)
    org = true                              # every account of the organization, with
    org_role = "ReadOnlyAudit"              #   this role (ou = "ou-…", skip_accounts = ["…"])
    protected = ["prod"]                    # aliases or ids: destructive plans changing
                                            #   them need the alias typed to confirm
    [columns]                               # the image table's columns (`:cols` writes it)
    show = ["owner"]                        # shown whatever the view holds
    hide = ["boot", "root"]                 # never shown; the others follow the view
    [cost]
    snapshot_gib_month = 0.05               # USD per GiB-month of a standard EBS snapshot,
                                            #   for the Totals view's estimates

amitui rewrites only the ``[columns]`` table (:func:`save_columns`), leaving the rest of the
file as the user wrote it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from amitui.columns import COLUMN_INDEX

APP_NAME = "amitui"


class ConfigError(ValueError):
    """The config file exists but cannot be used."""


@dataclass(frozen=True, slots=True)
class AccountDefaults:
    """The ``[accounts]`` table's account set, as written (``amitui.accounts.AccountSpec``
    checks the values); the command line's account options override it."""

    profiles: tuple[str, ...] = ()
    all_profiles: bool = False
    org: bool = False
    ou: str | None = None
    skip_accounts: tuple[str, ...] = ()
    org_role: str | None = None

    @property
    def names_accounts(self) -> bool:
        return bool(self.profiles or self.all_profiles or self.org)


@dataclass(frozen=True, slots=True)
class UserConfig:
    regions: tuple[str, ...] = ()
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    accounts: AccountDefaults = field(default_factory=AccountDefaults)
    #: ``[accounts] protected``: account aliases or ids.
    protected_accounts: tuple[str, ...] = ()
    #: ``[columns]``: column key -> shown (True) or hidden; a column not named follows the
    #: table's own rule (e.g. Owner while the view holds other owners' images).
    columns: dict[str, bool] = field(default_factory=dict)
    #: ``[cost] snapshot_gib_month``: USD per GiB-month of a standard snapshot (None: the
    #: list price in :data:`amitui.totals.SNAPSHOT_PRICE_PER_GIB_MONTH`).
    snapshot_price: float | None = None


def config_path() -> Path:
    override = os.environ.get("AMITUI_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def state_dir() -> Path:
    """Where the journal lives: ``$XDG_STATE_HOME/amitui`` on Linux."""
    override = os.environ.get("AMITUI_STATE_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_state_dir(APP_NAME))


def load_config(path: Path | None = None) -> UserConfig:
    path = path or config_path()
    if not path.exists():
        return UserConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    regions = data.get("regions", [])
    keys = data.get("keys", {})
    if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
        raise ConfigError(f"{path}: 'regions' must be a list of region names")
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise ConfigError(f"{path}: [keys] must map binding ids to key names")
    table = data.get("accounts", {})
    accounts = _account_defaults(path, table)
    protected = table.get("protected", [])
    if not isinstance(protected, list) or not all(
        isinstance(p, str) and p.strip() for p in protected
    ):
        raise ConfigError(f"{path}: [accounts] protected must be a list of account aliases or ids")
    return UserConfig(
        regions=tuple(regions),
        keys=dict(keys),
        path=path,
        accounts=accounts,
        protected_accounts=tuple(p.strip() for p in protected),
        columns=_columns(path, data.get("columns", {})),
        snapshot_price=_snapshot_price(path, data.get("cost", {})),
    )


def _columns(path: Path, table: object) -> dict[str, bool]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [columns] must be a table")
    unknown = set(table) - {"show", "hide"}
    if unknown:
        raise ConfigError(
            f"{path}: [columns] takes show and hide, not {', '.join(sorted(unknown))}"
        )
    chosen: dict[str, bool] = {}
    for name, shown in (("show", True), ("hide", False)):
        keys = table.get(name, [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ConfigError(f"{path}: [columns] {name} must be a list of column keys")
        for key in keys:
            if key not in COLUMN_INDEX:
                raise ConfigError(
                    f"{path}: [columns] {name}: no column {key!r}; the columns are "
                    + ", ".join(COLUMN_INDEX)
                )
            if key in chosen:
                raise ConfigError(f"{path}: [columns] names {key!r} in both show and hide")
            chosen[key] = shown
    return chosen


#: A table header line, ``[name]`` or ``[[name]]`` (comments after it allowed).
_HEADER = re.compile(r"^\s*\[")


def save_columns(choice: Mapping[str, bool], path: Path | None = None) -> Path:
    """Write ``choice`` (column key -> shown) as the ``[columns]`` table of the config file,
    replacing the one there (other tables and comments stay); returns the file written."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    kept: list[str] = []
    inside = False
    for line in text.splitlines():
        if _HEADER.match(line):
            inside = line.split("#", 1)[0].strip() == "[columns]"
        if not inside:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()

    def keys(shown: bool) -> str:
        return ", ".join(f'"{key}"' for key in COLUMN_INDEX if choice.get(key) is shown)

    table = ["[columns]", f"show = [{keys(True)}]", f"hide = [{keys(False)}]"]
    new = "\n".join([*kept, *([""] if kept else []), *table]) + "\n"
    try:
        tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:  # e.g. a dotted ``columns.show = …`` elsewhere
        raise ConfigError(f"cannot write [columns] into {path}: {exc}") from exc
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(new, encoding="utf-8")
        temporary.replace(path)  # a crash mid-write leaves the old file whole
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc}") from exc
    return path


def _snapshot_price(path: Path, table: object) -> float | None:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [cost] must be a table")
    value = table.get("snapshot_gib_month")
    if value is None:
        return None
    # bool is an int in Python: `snapshot_gib_month = true` is not a price.
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(
            f"{path}: [cost] snapshot_gib_month must be a price in USD per GiB-month, "
            f"like 0.05 (not {value!r})"
        )
    return float(value)


def _account_defaults(path: Path, table: object) -> AccountDefaults:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [accounts] must be a table")

    def strings(name: str) -> tuple[str, ...]:
        value = table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: [accounts] {name} must be a list of strings")
        return tuple(value)

    def flag(name: str) -> bool:
        value = table.get(name, False)
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: [accounts] {name} must be true or false")
        return value

    def text(name: str) -> str | None:
        value = table.get(name)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}: [accounts] {name} must be a string")
        return value

    return AccountDefaults(
        profiles=strings("profiles"),
        all_profiles=flag("all_profiles"),
        org=flag("org"),
        ou=text("ou"),
        skip_accounts=strings("skip_accounts"),
        org_role=text("org_role"),
    )
