"""scripts/check_structure.py finds long functions and import cycles, and passes clean code.

Each test writes a small package to a temporary folder and runs the script's checks on it
(in process through `check_package`, and once through the command line for the exit code).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "check_structure.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("check_structure", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_structure = _load_script()


def _write_package(root: Path, files: dict[str, str]) -> Path:
    """`files` maps paths inside the package "pkg" to their source; returns the package dir."""
    package = root / "pkg"
    for name, source in {"__init__.py": "", **files}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return package


def _function(name: str, body_lines: int) -> str:
    """Source of a function that is `body_lines + 1` lines long."""
    body = "".join(f"    x{i} = {i}\n" for i in range(body_lines))
    return f"def {name}():\n{body}"


CLEAN = {
    "core/__init__.py": "",
    "core/types.py": _function("small", 59),  # 60 lines: at the limit
    "io/__init__.py": "",
    "io/reader.py": "from pkg.core import types\nfrom pkg.core.types import small\n",
    "cli.py": "def main():\n    from pkg.io.reader import small\n    return small()\n",
}


def test_clean_package_passes(tmp_path: Path) -> None:
    package = _write_package(tmp_path, CLEAN)
    assert check_structure.check_package(package) == []


def test_long_function_is_reported_with_file_line_and_length(tmp_path: Path) -> None:
    package = _write_package(
        tmp_path, {**CLEAN, "io/reader.py": "import os\n\n\n" + _function("too_long", 61)}
    )
    problems = check_structure.check_package(package)
    assert problems == ["pkg/io/reader.py:4: too_long is 62 lines (max 60)"]
    # The limit is a parameter.
    assert check_structure.check_package(package, max_lines=62) == []


def test_long_method_is_reported(tmp_path: Path) -> None:
    method = "\n".join("    " + line for line in _function("method", 70).splitlines())
    package = _write_package(tmp_path, {"model.py": f"class Model:\n{method}\n"})
    assert check_structure.check_package(package) == ["pkg/model.py:2: method is 71 lines (max 60)"]


@pytest.mark.parametrize(
    "a_source",
    [
        "from pkg import b\n",  # module imported from its package
        "import pkg.b\n",  # plain import
        "def f():\n    from pkg.b import g\n    return g\n",  # lazy import in a function
        "from . import b\n",  # relative import
        "from .b import g\n",  # relative import of a name
    ],
)
def test_import_cycle_is_reported(tmp_path: Path, a_source: str) -> None:
    package = _write_package(
        tmp_path, {"a.py": a_source, "b.py": "from pkg.c import h\n", "c.py": "from pkg import a\n"}
    )
    assert check_structure.check_package(package) == ["import cycle: pkg.a -> pkg.b -> pkg.c"]


def test_relative_import_in_subpackage_init_resolves_to_the_subpackage(tmp_path: Path) -> None:
    # In pkg/sub/__init__.py, `from .mod import x` is pkg.sub.mod, which imports pkg.sub:
    # a cycle; `from ..top import y` is pkg.top, which imports nothing.
    package = _write_package(
        tmp_path,
        {
            "top.py": "",
            "sub/__init__.py": "from .mod import x\nfrom ..top import y\n",
            "sub/mod.py": "import pkg.sub\n",
        },
    )
    assert check_structure.import_graph(package)["pkg.sub"] == {"pkg.sub.mod", "pkg.top"}
    assert check_structure.check_package(package) == ["import cycle: pkg.sub -> pkg.sub.mod"]


def test_imports_outside_the_package_are_ignored(tmp_path: Path) -> None:
    package = _write_package(
        tmp_path, {"a.py": "import os\nimport numpy\nfrom json import dumps\n"}
    )
    assert check_structure.import_graph(package)["pkg.a"] == set()


def test_command_line_exit_codes(tmp_path: Path) -> None:
    clean = _write_package(tmp_path / "clean", CLEAN)
    bad = _write_package(
        tmp_path / "bad", {"a.py": "import pkg.b\n", "b.py": "import pkg.a\n" + _function("f", 70)}
    )
    ok = subprocess.run(
        [sys.executable, str(SCRIPT), "--package", str(clean)], capture_output=True, text=True
    )
    assert (ok.returncode, ok.stdout) == (0, "")
    failed = subprocess.run(
        [sys.executable, str(SCRIPT), "--package", str(bad)], capture_output=True, text=True
    )
    assert failed.returncode == 1
    assert failed.stdout.splitlines() == [
        "pkg/b.py:2: f is 71 lines (max 60)",
        "import cycle: pkg.a -> pkg.b",
    ]
