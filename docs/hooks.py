"""MkDocs hook: the commands reference, generated from tracker's click commands.

A page holding the line `<!-- tracker --help -->` gets, in its place, the `--help` of
`tracker` and of each of its commands as a terminal prints them, so it cannot drift.
"""

from __future__ import annotations

from typing import Any

import click

MARKER = "<!-- tracker --help -->"
WIDTH = 88


def commands_markdown() -> str:
    """`tracker --help`, then `tracker NAME --help` for each command, each under its own heading."""
    from tracker.cli import main

    root = click.Context(main, info_name="tracker", terminal_width=WIDTH, max_content_width=WIDTH)
    sections = [_section("tracker", main, root)]
    for name in sorted(main.commands):
        command = main.commands[name]
        context = click.Context(command, info_name=name, parent=root, terminal_width=WIDTH)
        sections.append(_section(f"tracker {name}", command, context))
    return "\n\n".join(sections)


def _section(title: str, command: click.Command, context: click.Context) -> str:
    return f"### `{title}`\n\n```text\n{command.get_help(context)}\n```"


def on_page_markdown(markdown: str, **_: Any) -> str:
    return markdown.replace(MARKER, commands_markdown())
