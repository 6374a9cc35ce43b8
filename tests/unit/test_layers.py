"""The folder tree is the architecture: this test keeps it so.

Every module of `tracker/` is parsed with `ast` (imports at any depth count,
lazy ones inside functions too) and must import only what its layer may:

    entry points   cli, daemon, web/, __main__        everything below (cli and __main__: the others too)
    services       discovery, notify, witness         take a pipeline.Runtime; read, check, edges
    check, read    pipeline/, read/                   never each other
    edges          store/, fetch/                     never each other
    extraction     extraction/                        CPU only: core and leaves
    core           core/                              pure: core and leaves, no I/O library, no clock
    leaves         errors, config, vocabulary         each other only

and no module may take part in an import cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "tracker"
LEAVES = {"tracker.errors", "tracker.config", "tracker.vocabulary", "tracker"}
IO_LIBRARIES = {"httpx", "sqlalchemy", "click", "fastapi", "apscheduler", "uvicorn", "psycopg"}
LAYERS = {  # package -> (rank, the packages of its rank it must not import)
    "leaves": (0, set()),
    "core": (1, set()),
    "extraction": (2, set()),
    "store": (3, {"fetch"}),
    "fetch": (3, {"store"}),
    "pipeline": (4, {"read"}),
    "read": (4, {"pipeline"}),
    "services": (5, set()),
    "entry": (6, set()),
}
SERVICES = {"tracker.discovery", "tracker.notify", "tracker.witness"}
ENTRY = {"tracker.cli", "tracker.daemon", "tracker.web", "tracker.__main__"}
STARTERS = ("tracker.cli", "tracker.__main__")  # they start the other entry points


def layer_of(module: str) -> str:
    if module in LEAVES:
        return "leaves"
    if module in SERVICES:
        return "services"
    if module in ENTRY or module.startswith(("tracker.web.", "tracker.cli.")):
        return "entry"
    package = module.split(".")[1]
    if package not in LAYERS:
        raise AssertionError(
            f"{module} belongs to no layer: put it in a folder or name it in tests/unit/test_layers.py"
        )
    return package


def _within_web(name: str, target: str) -> bool:
    """The web app's routers and their shared module are one entry point."""
    return name.startswith("tracker.web") and target.startswith("tracker.web")


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """(module, line) for every import of a tracker module or an I/O library in `path`."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                yield (candidate if candidate in known else node.module), node.lineno


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        edges[name] = {
            target for target, _line in imports(path, set(known)) if target in known and target != name
        }
    return edges


def violations() -> list[str]:
    known = modules()
    found = []
    for name, path in known.items():
        layer = layer_of(name)
        rank, forbidden = LAYERS[layer]
        for target, line in imports(path, set(known)):
            where = f"{path.relative_to(ROOT.parent)}:{line}: {name} imports {target}"
            if target.split(".")[0] in IO_LIBRARIES and layer in ("leaves", "core", "extraction"):
                found.append(f"{where} (an I/O library in the {layer} layer)")
            if target not in known or target == name:
                continue
            other = layer_of(target)
            other_rank, _ = LAYERS[other]
            if (
                other_rank > rank
                or other in forbidden
                or (
                    layer == "entry"
                    and other == "entry"
                    and not name.startswith(STARTERS)
                    and not _within_web(name, target)
                )
            ):
                found.append(f"{where} ({layer} may not import {other})")
            if other == "entry" and layer != "entry":
                found.append(f"{where} (nothing imports an entry point)")
    return found


def cycles() -> list[list[str]]:
    edges, found, state = graph(), [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    return found


def clocks(path: Path) -> list[int]:
    """Lines of `path` that read the clock."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("now", "utcnow", "time", "monotonic", "today")
            and isinstance(node.value, ast.Name)
            and node.value.id in ("datetime", "time", "date")
        ):
            lines.append(node.lineno)
    return lines


def test_every_import_points_down_its_layers() -> None:
    assert violations() == []


def test_no_import_cycle() -> None:
    assert cycles() == []


@pytest.mark.parametrize("path", sorted((ROOT / "core").glob("*.py")), ids=lambda p: p.name)
def test_the_core_reads_no_clock(path: Path) -> None:
    assert clocks(path) == [], f"{path.name} reads the clock: take `now` as a parameter"


def test_every_layer_states_its_rule() -> None:
    for package in ("core", "extraction", "store", "fetch", "pipeline", "read"):
        doc = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text()))
        assert doc and "Rule:" in doc, f"tracker/{package}/__init__.py states no rule"


def test_the_layer_test_fails_on_a_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A core module that imports the store, and a cycle, are both caught."""
    fake = tmp_path / "tracker"
    for folder in ("core", "store"):
        (fake / folder).mkdir(parents=True)
        (fake / folder / "__init__.py").write_text('"""Rule: none."""\n')
    (fake / "__init__.py").write_text("")
    (fake / "core" / "bad.py").write_text("from tracker.store import models\n")
    (fake / "store" / "models.py").write_text("from tracker.store import other\n")
    (fake / "store" / "other.py").write_text("import tracker.store.models\n")
    monkeypatch.setattr(f"{__name__}.ROOT", fake)
    assert any("core may not import store" in line for line in violations())
    assert ["tracker.store.models", "tracker.store.other", "tracker.store.models"] in cycles()
