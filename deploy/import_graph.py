"""The import graph of the project: module circles, and the clients service's domain graph.

``python -m deploy.import_graph`` prints the numbers; ``tests/deploy/test_import_graph.py``
fails when the clients domains form a loop, when a domain imports another domain's
``dependencies.py``, or when any package has an import circle.

A *domain* of ``services/clients`` is a folder (``accounts``) or a single module
(``access``, ``keyset``) directly under it. The composition root — ``app``,
``dependencies`` (every ``build_*`` factory), ``reactions`` (cross-domain side effects),
``jobs`` (the periodic jobs), the model registry, the demo data and the migrations — wires
the domains together: it may import every domain and domains may import ``dependencies``
from it, so it stands outside the domain graph (module circles through it are still
caught by the module graph).
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("services", "shared", "gateway")
CLIENTS = ("services", "clients")
COMPOSITION_ROOT = frozenset(
    {
        "app",
        "dependencies",
        "jobs",
        "reactions",
        "models_registry",
        "demo",
        "demo_activity",
        "demo_pipeline",
        "housekeeping",
        "migrations",
    }
)

Graph = dict[str, set[str]]


def modules(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in root.glob("**/*.py"):
        rel = path.relative_to(root)
        if rel.parts[0] not in PACKAGES:
            continue
        name = ".".join(rel.with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def import_edges(mods: dict[str, Path]) -> Graph:
    edges: Graph = defaultdict(set)
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            edges[name].update(t for t in targets if t in mods and t != name)
    return edges


def strongly_connected(nodes: Iterable[str], edges: Graph) -> list[list[str]]:
    """Tarjan's components with more than one member (the import circles)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in nodes:
        if node not in index:
            visit(node)
    return circles


def clients_domain(module: str) -> str | None:
    parts = module.split(".")
    if tuple(parts[:2]) != CLIENTS or len(parts) < 3 or parts[2] in COMPOSITION_ROOT:
        return None
    return parts[2]


@dataclass(frozen=True)
class Report:
    module_circles: list[list[str]]
    domain_loops: list[list[str]]
    imports_in_loops: int
    foreign_dependencies: list[tuple[str, str]]
    root_imports: list[tuple[str, str]]

    def lines(self) -> list[str]:
        return [
            f"module import circles: {len(self.module_circles)}",
            *(f"  {circle}" for circle in self.module_circles),
            f"clients domain loops: {self.domain_loops}",
            f"clients imports inside domain loops: {self.imports_in_loops}",
            "imports of another domain's dependencies.py: "
            f"{len(self.foreign_dependencies)} {self.foreign_dependencies}",
            "domain imports of the composition root other than dependencies: "
            f"{len(self.root_imports)} {self.root_imports}",
        ]


def analyse(root: Path) -> Report:
    mods = modules(root)
    edges = import_edges(mods)
    domain_edges: Graph = defaultdict(set)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    foreign: list[tuple[str, str]] = []
    root_imports: list[tuple[str, str]] = []
    for source, targets in edges.items():
        for target in targets:
            a, b = clients_domain(source), clients_domain(target)
            if a and b and a != b:
                domain_edges[a].add(b)
                counts[(a, b)] += 1
                if target.endswith(".dependencies"):
                    foreign.append((source, target))
            parts = target.split(".")
            if (
                a
                and tuple(parts[:2]) == CLIENTS
                and len(parts) >= 3
                and parts[2] in COMPOSITION_ROOT
                and parts[2] != "dependencies"
            ):
                root_imports.append((source, target))
    domains = sorted({d for m in mods if (d := clients_domain(m))})
    loops = strongly_connected(domains, domain_edges)
    in_loop = {d: i for i, loop in enumerate(loops) for d in loop}
    inside = sum(n for (a, b), n in counts.items() if a in in_loop and in_loop[a] == in_loop.get(b))
    return Report(
        module_circles=strongly_connected(sorted(mods), edges),
        domain_loops=loops,
        imports_in_loops=inside,
        foreign_dependencies=sorted(foreign),
        root_imports=sorted(root_imports),
    )


if __name__ == "__main__":
    report = analyse(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    sys.stdout.write("\n".join(report.lines()) + "\n")
