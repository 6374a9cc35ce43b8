"""The README documents every command, every option and every config key."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from pydantic import BaseModel

from tracker.cli import main
from tracker.config import Config

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def config_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every key a user can write: leaves, and the lists and maps that hold sections."""
    keys = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        origin = getattr(field.annotation, "__origin__", None)
        inner = [a for a in getattr(field.annotation, "__args__", (field.annotation,)) if a is not Ellipsis]
        section = next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if section is None:
            keys.append(path)
        elif origin in (tuple, list):
            keys += [path, *config_keys(section, path + "[].")]
        elif origin is dict:
            keys += [path, *config_keys(section, path + ".HOST.")]
        else:
            keys += config_keys(section, path + ".")
    return keys


@pytest.mark.parametrize("key", config_keys(Config))
def test_every_config_key_is_documented(key: str) -> None:
    assert f"`{key}`" in README, f"config key {key} is not in README's configuration table"


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_and_option_is_documented(name: str) -> None:
    command = main.commands[name]
    assert f"tracker {name}" in README, f"command {name} is not in README"
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            longest = max(parameter.opts, key=len)
            assert longest in README, f"option {longest} of {name} is not in README"
