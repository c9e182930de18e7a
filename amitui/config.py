"""The user's config file and the platform directories amitui uses.

``$XDG_CONFIG_HOME/amitui/config.toml`` (or ``$AMITUI_CONFIG``) may hold::

    regions = ["us-east-1", "eu-west-1"]   # default region list (--all-regions overrides)
    [keys]                                  # key overrides, binding id -> keys
    copy = "C"
    [accounts]
    protected = ["prod"]                    # aliases or ids: destructive plans changing
                                            # them need the alias typed to confirm
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "amitui"


class ConfigError(ValueError):
    """The config file exists but cannot be used."""


@dataclass(frozen=True, slots=True)
class UserConfig:
    regions: tuple[str, ...] = ()
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    #: ``[accounts] protected``: account aliases or ids.
    protected_accounts: tuple[str, ...] = ()


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
    accounts = data.get("accounts", {})
    if not isinstance(accounts, dict):
        raise ConfigError(f"{path}: [accounts] must be a table")
    protected = accounts.get("protected", [])
    if not isinstance(protected, list) or not all(
        isinstance(p, str) and p.strip() for p in protected
    ):
        raise ConfigError(f"{path}: [accounts] protected must be a list of account aliases or ids")
    return UserConfig(
        regions=tuple(regions),
        keys=dict(keys),
        path=path,
        protected_accounts=tuple(p.strip() for p in protected),
    )
