"""The package reads top-down: each module imports only from its own layer or the layers below it, and
no import cycle exists, counting imports inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

from orchestration.settings import PROJECT_ROOT

# The layer order, written once, lowest first. A module imports from its own layer or a lower one.
LAYERS = [
    ("orchestration.settings", "orchestration.errors", "orchestration.atomic"),
    ("orchestration.reference",),
    ("orchestration.releases",),
    ("orchestration.authoring",),
    ("expectations",),
    ("orchestration.warehouse",),
    ("orchestration.publish",),
    ("orchestration.defs",),
    ("orchestration.cli",),
    ("orchestration.definitions",),
]
PACKAGES = ("orchestration", "expectations")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
    }


def _imports(path: Path, known: set[str]) -> set[str]:
    """Project modules imported anywhere in the file (module level, functions, TYPE_CHECKING blocks)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            # the longest known module the name points into (`from a.b import c` may import module a.b.c)
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def _layer(module: str) -> int:
    for level, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return level
    raise AssertionError(f"{module} belongs to no layer: add its package to LAYERS")


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, known) - {name} for name, path in modules.items()}


def test_every_module_belongs_to_a_layer():
    for module in _modules():
        if module not in PACKAGES:
            _layer(module)


def test_no_module_imports_from_a_layer_above_its_own():
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in _graph().items()
        if module not in PACKAGES
        for target in targets
        if target not in PACKAGES and _layer(target) > _layer(module)
    ]
    assert not upward, "\n".join(upward)


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append(path[path.index(target) :] + [target] if target in path else [module, target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_checker_sees_an_upward_import_and_a_cycle(tmp_path):
    # The rules above must be able to fail: a function-level import from a higher layer is found.
    source = tmp_path / "probe.py"
    source.write_text("def f():\n    from orchestration.defs.jobs import BUILD_JOB\n", encoding="utf-8")
    assert _imports(source, set(_modules())) == {"orchestration.defs.jobs"}
    assert _layer("orchestration.defs.jobs") > _layer("orchestration.reference.metrics")
