"""Print jazzgen's folder tree, one line per module, from the modules' own docstrings.

docs/architecture.md holds this output between the `<!-- tree -->` markers, and a test
keeps the two equal, so a new or renamed module shows up in the docs.

    python scripts/module_tree.py            # print the tree
    python scripts/module_tree.py --write    # rewrite it into docs/architecture.md
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "jazzgen"
DOC = ROOT / "docs" / "architecture.md"
START, END = "<!-- tree -->", "<!-- /tree -->"
# Subpackages in pipeline order (a newcomer reads the tree as the pipeline); others follow.
PIPELINE = ("core", "io", "analysis", "tokens", "corpus", "training", "generation", "output")
PIPELINE += ("evaluation", "cli")


def first_line(path: Path) -> str:
    """The first line of a module's docstring ('(no docstring)' when it has none)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    return doc.strip().splitlines()[0] if doc else "(no docstring)"


def tree(package: Path = PACKAGE) -> str:
    """The tree as text: top-level modules, then each subpackage and its modules."""
    lines = [f"{package.name}/"]
    for module in sorted(package.glob("*.py")):
        lines.append(f"  {module.name:22} {first_line(module)}")
    subs = [p for p in package.iterdir() if (p / "__init__.py").is_file()]
    order = {name: i for i, name in enumerate(PIPELINE)}
    for sub in sorted(subs, key=lambda p: (order.get(p.name, len(order)), p.name)):
        lines.append(f"  {sub.name + '/':22} {first_line(sub / '__init__.py')}")
        for module in sorted(sub.glob("*.py")):
            if module.name != "__init__.py":
                lines.append(f"    {module.name:20} {first_line(module)}")
    return "\n".join(lines)


def documented_tree(doc: Path = DOC) -> str:
    """The tree as docs/architecture.md shows it (between the markers, without fences)."""
    text = doc.read_text(encoding="utf-8")
    block = text.split(START, 1)[1].split(END, 1)[0]
    return block.strip().removeprefix("```").removesuffix("```").strip()


def write(doc: Path = DOC) -> None:
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    doc.write_text(f"{head}{START}\n```\n{tree()}\n```\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite docs/architecture.md")
    args = parser.parse_args(argv)
    if args.write:
        write()
    else:
        print(tree())
    return 0


if __name__ == "__main__":
    sys.exit(main())
