"""Structure checks run by `make lint`: function length and import cycles in jazzgen/.

- No function or method in the library is longer than `MAX_LINES` lines (from its `def`
  line, decorators excluded, to its last line; docstrings count).
- The modules of jazzgen/ import each other without cycles, counting every import of a
  jazzgen module wherever it stands (lazy imports inside functions too, relative imports
  resolved).

Prints one line per problem and exits 1 when there is any. `check_package(path)` runs both
checks on any package directory (the tests use it on small temporary packages).

    python scripts/check_structure.py [--max-lines 60] [--package jazzgen]
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "jazzgen"
MAX_LINES = 60


def module_name(path: Path, root: Path = ROOT) -> str:
    """Dotted module name of `path`, a .py file under `root` (the folder holding the package)."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def long_functions(path: Path, limit: int, root: Path = ROOT) -> list[str]:
    """`file:line: name is N lines` for every function longer than `limit`."""
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > limit:
                where = f"{path.relative_to(root)}:{node.lineno}"
                problems.append(f"{where}: {node.name} is {length} lines (max {limit})")
    return problems


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module that `from ... import` names (relative levels resolved)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    # In a package's __init__, `.` is the package itself; in a module, its parent.
    keep = len(base) - node.level + (1 if is_package else 0)
    prefix = ".".join(base[: max(keep, 0)])
    return f"{prefix}.{node.module}" if node.module else prefix


def imported_modules(
    path: Path, known: set[str], module: str = "", is_package: bool = False
) -> set[str]:
    """Modules in `known` that `path` (module `module`) imports.

    `from pkg import module` counts as the module; `from pkg.mod import name` as pkg.mod.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, is_package)
            for alias in node.names:
                full = f"{source}.{alias.name}"
                found.add(full if full in known else source)
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


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module name -> the package's modules it imports, for every .py file under `package`."""
    root = package.parent
    modules = {module_name(p, root): p for p in sorted(package.rglob("*.py"))}
    known = set(modules)
    return {
        name: imported_modules(path, known, name, path.name == "__init__.py") - {name}
        for name, path in modules.items()
    }


def check_package(package: Path, max_lines: int = MAX_LINES) -> list[str]:
    """Every structure problem of the package directory `package`, one line each."""
    package = Path(package).resolve()
    problems = [
        line
        for path in sorted(package.rglob("*.py"))
        for line in long_functions(path, max_lines, package.parent)
    ]
    for component in cycles(import_graph(package)):
        problems.append("import cycle: " + " -> ".join(component))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-lines", type=int, default=MAX_LINES)
    parser.add_argument("--package", type=Path, default=PACKAGE, help="package directory")
    args = parser.parse_args(argv)
    problems = check_package(args.package, args.max_lines)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
