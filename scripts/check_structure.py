"""Structure checks run by `make lint`: function length and import cycles in jazzgen/.

- No function or method in the library is longer than `MAX_LINES` lines (from its `def`
  line, decorators excluded, to its last line; docstrings count).
- The modules of jazzgen/ import each other without cycles, counting every import of a
  jazzgen module wherever it stands (lazy imports inside functions too).

Prints one line per problem and exits 1 when there is any.

    python scripts/check_structure.py [--max-lines 60]
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "jazzgen"
MAX_LINES = 60


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def long_functions(path: Path, limit: int) -> list[str]:
    """`file:line: name is N lines` for every function longer than `limit`."""
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > limit:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                problems.append(f"{where}: {node.name} is {length} lines (max {limit})")
    return problems


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """jazzgen modules that `path` imports (a `from pkg import module` counts as the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found & known


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-lines", type=int, default=MAX_LINES)
    args = parser.parse_args(argv)
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p): p for p in files}
    problems = [line for p in files for line in long_functions(p, args.max_lines)]
    graph = {name: imported_modules(path, set(modules)) - {name} for name, path in modules.items()}
    for component in cycles(graph):
        problems.append("import cycle: " + " -> ".join(component))
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
