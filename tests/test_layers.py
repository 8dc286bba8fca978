"""Layering: each layer imports only from layers below it, and the top-level packages form no import cycle.

Every ``import``/``from ... import`` statement of every product module is read with :mod:`ast`, wherever it stands
(top of file, inside a function, under ``TYPE_CHECKING``), together with string-literal dynamic imports
(``importlib.import_module("x")``, ``__import__("x")``). Relative imports are resolved against the importing
module. An import of module ``m`` by module ``i`` is allowed when ``RANK[layer(m)] < RANK[layer(i)]`` or both are
in the same layer. Allowed order, lowest first (docs: DESIGN.md section 1):

====  =====================================  ====================================================================
rank  layer                                  may import
====  =====================================  ====================================================================
0     ingest                                 (nothing of ours)
1     graph, scoring, compliance             ingest. The three are siblings: none imports another (compliance
                                             is pure: holdings, prices and classifications come in as plain data)
2     gnn                                    graph, scoring, ingest (and compliance, unused)
3     portfolio                              gnn and everything below (compliance: the rules it compiles)
4     pipeline (orchestration, services)     everything below
5     api                                    pipeline services and everything below
6     cli: pipeline.cli, pipeline.cli_*      everything: the composition root (``econgraph serve`` starts the
                                             API, :mod:`api.server`); nothing imports the CLI modules
====  =====================================  ====================================================================

A new top-level package fails the test until it is given a rank here.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

RANK = {"ingest": 0, "graph": 1, "scoring": 1, "compliance": 1, "gnn": 2, "portfolio": 3, "pipeline": 4, "api": 5,
        "cli": 6}
#: folders of the repository that are not product packages (scripts and tests may import any layer)
NOT_PACKAGES = {"tests", "bench", "docs", "data", "build", "dist"}


def packages() -> list[str]:
    return sorted(p.name for p in REPO.iterdir()
                  if (p / "__init__.py").is_file() and p.name not in NOT_PACKAGES and not p.name.startswith("."))


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "pipeline" and len(parts) > 1 and (parts[1] == "cli" or parts[1].startswith("cli_")):
        return "cli"
    return parts[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, dotted name)`` of everything the file imports; ``from a.b import c`` gives ``a.b.c`` (``c`` may be a
    module or a name: only the first two components matter for the layer)."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            stem = ".".join(base + ([node.module] if node.module else []))
            found += [(node.lineno, f"{stem}.{a.name}" if a.name != "*" else stem) for a in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Name) and node.func.id == "__import__")
                   or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"))):
            found.append((node.lineno, node.args[0].value))
    return found


@lru_cache(maxsize=1)
def import_edges() -> dict[tuple[str, str], list[str]]:
    """``(importer layer, imported layer) -> ["file:line imports name", ...]`` between different layers."""
    ours = set(packages())
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for pkg in ours:
        for path in sorted((REPO / pkg).rglob("*.py")):
            src = layer(module_name(path))
            for line, target in imported_modules(path):
                if target.split(".")[0] in ours and layer(target) != src:
                    edges[(src, layer(target))].append(f"{path.relative_to(REPO)}:{line} imports {target}")
    return edges


def find_cycle(edges) -> list[str] | None:
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt]
            if nxt not in state:
                cycle = visit(nxt, stack + [nxt])
                if cycle:
                    return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [start])
            if cycle:
                return cycle
    return None


def test_every_package_has_a_layer():
    missing = [p for p in packages() if p not in RANK]
    assert not missing, f"give these top-level packages a rank in tests/test_layers.py RANK: {missing}"


def test_no_cycle_between_layers():
    edges = import_edges()
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle between layers " + " -> ".join(cycle) + ":\n" + "\n".join(
        w for a, b in zip(cycle, cycle[1:]) for w in edges[(a, b)][:3])


def test_layers_import_only_downward():
    upward = [w for (a, b), where in sorted(import_edges().items()) if RANK[b] >= RANK[a] for w in where]
    assert not upward, ("imports from the same or a higher layer (order in tests/test_layers.py):\n"
                        + "\n".join(upward))


def test_the_checker_sees_lazy_relative_and_dynamic_imports():
    """The parser itself: a function-level import, a relative one and a string-literal dynamic one are all found,
    and a planted cycle is reported."""
    found = {t for _, t in imported_modules(REPO / "pipeline" / "cli.py")}
    assert "pipeline.cli_common._fail" in found          # relative, top of file
    assert "api.server.serve" in found                   # inside the `serve` command's body
    assert "pipeline.cli_text" in found                  # __import__("pipeline.cli_text", ...)
    assert layer("pipeline.cli_text") == "cli" and layer("pipeline.daily") == "pipeline"
    assert layer("pipeline.client") == "pipeline"
    assert find_cycle({("graph", "ingest"): [], ("ingest", "gnn"): [], ("gnn", "graph"): []}) is not None
    assert find_cycle({("graph", "ingest"): [], ("gnn", "graph"): []}) is None
