"""Rooms that stay small: no module of `tracker/` over 500 lines (as `wc -l` counts them)
and no function over 80 (its `def` line to its last line), so that the next feature
finds a room of its own instead of growing one that holds everything already.

Beside `test_layers.py`, which keeps the rooms in their floors.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "tracker"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def test_there_are_modules_to_measure() -> None:
    assert len(_modules()) > 50


def test_no_module_is_over_500_lines() -> None:
    over = {
        str(path.relative_to(ROOT.parent)): lines
        for path in _modules()
        if (lines := path.read_bytes().count(b"\n")) > MAX_MODULE_LINES
    }
    assert not over, f"split these by concept (lines: {over})"


def test_no_function_is_over_80_lines() -> None:
    over = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    over[f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name}"] = length
    assert not over, f"name the steps of these as functions of their own (lines: {over})"
