"""The docs in `docs/` document every command, every option and every config key, and
document nothing that does not exist; the README stays a front door."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import click
import pytest
import yaml
from pydantic import BaseModel

from tracker.cli import main
from tracker.config import Config

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
COMMANDS = (DOCS / "reference" / "commands.md").read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "reference" / "configuration.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


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


def load_hooks() -> ModuleType:
    """docs/hooks.py, the MkDocs hook that writes the generated commands reference."""
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("key", config_keys(Config))
def test_every_config_key_is_documented(key: str) -> None:
    assert f"`{key}`" in CONFIGURATION, f"config key {key} is not in docs/reference/configuration.md"


def test_every_documented_config_key_exists() -> None:
    rows = re.findall(r"^\| `([^`]+)` \|", CONFIGURATION, flags=re.MULTILINE)
    assert rows, "docs/reference/configuration.md has no table of keys"
    keys = config_keys(Config)
    sections = {key.rsplit(".", n)[0] for key in keys for n in range(1, key.count(".") + 1)}
    unknown = sorted(set(rows) - set(keys) - sections)
    assert not unknown, f"docs/reference/configuration.md documents keys that do not exist: {unknown}"


def test_the_global_options_are_documented() -> None:
    for parameter in main.params:
        if isinstance(parameter, click.Option):
            longest = max(parameter.opts, key=len)
            assert longest in COMMANDS, f"option {longest} of tracker is not in docs/reference/commands.md"


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_and_option_is_documented(name: str) -> None:
    command = main.commands[name]
    assert f"- `tracker {name}" in COMMANDS, f"command {name} is not in docs/reference/commands.md"
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            longest = max(parameter.opts, key=len)
            assert longest in COMMANDS, f"option {longest} of {name} is not in docs/reference/commands.md"
    assert "Example" in (command.help or ""), f"tracker {name} --help has no example (the docs promise one)"


def test_every_documented_command_exists() -> None:
    documented = set(re.findall(r"^- `tracker ([a-z-]+)", COMMANDS, flags=re.MULTILINE))
    assert documented - set(main.commands) == set(), "docs/reference/commands.md names unknown commands"


def test_the_commands_reference_is_generated_from_every_command() -> None:
    hooks = load_hooks()
    assert COMMANDS.count(hooks.MARKER) == 1, "docs/reference/commands.md lost its generated reference"
    generated = hooks.commands_markdown()
    for name in sorted(main.commands):
        assert f"### `tracker {name}`" in generated
        assert f"Usage: tracker {name} [OPTIONS]" in generated


def test_every_page_is_in_the_nav_and_every_nav_entry_is_a_page() -> None:
    def pages(entries: list[object]) -> list[str]:
        found: list[str] = []
        for entry in entries:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            found += pages(value) if isinstance(value, list) else [str(value)]
        return found

    nav = pages(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
    on_disk = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(nav) == on_disk


def test_the_readme_is_a_front_door() -> None:
    lines = README.splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines: move the detail into docs/"
    first_screen = "\n".join(lines[:50])
    assert "## Quick start" in first_screen, "the quick start is not in the README's first screen"
    assert "make run" in first_screen and "make test" in first_screen


def test_the_readme_links_and_images_exist() -> None:
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    assert local, "README.md links nowhere"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README.md links to missing files: {missing}"
