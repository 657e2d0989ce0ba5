"""The direction of dependency: screens and web -> hall -> dispatch, and nothing back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str) -> None:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def _modules(package: str) -> list[str]:
    return sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / package).rglob("*.py")
    )


def test_hall_imports_no_textual():
    mods = _modules("hall") + _modules("dispatch")
    code = "import sys\n" + "".join(f"import {m}\n" for m in mods) + (
        "assert 'textual' not in sys.modules, 'textual imported'\n"
        "assert not any(m == 'screens' or m.startswith('screens.') for m in sys.modules), 'screens imported'\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('web', 'starlette', 'uvicorn', 'jinja2')]\n"
        "assert not bad, bad\n"
    )
    run_python(code)


def test_web_imports_no_textual_or_screens():
    code = "import sys\n" + "".join(f"import {m}\n" for m in _modules("web")) + (
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'screens')]\n"
        "assert not bad, bad\n"
    )
    run_python(code)


def test_dispatch_imports_no_hall_sqlite_or_textual():
    code = "import sys\n" + "".join(f"import {m}\n" for m in _modules("dispatch")) + (
        "bad = [m for m in sys.modules if m.split('.')[0] in ('hall', 'screens', 'textual', 'sqlite3', 'sqlite_utils')]\n"
        "assert not bad, bad\n"
    )
    run_python(code)


def _imports(path: Path) -> list[tuple[str, ast.AST]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node))
    return found


def _top(name: str) -> str:
    return name.split(".")[0]


def test_dispatch_sources_stay_pure():
    for path in (ROOT / "dispatch").rglob("*.py"):
        for name, _ in _imports(path):
            assert _top(name) not in ("hall", "screens", "textual", "sqlite3", "sqlite_utils"), f"{path}: {name}"
        text = path.read_text(encoding="utf-8")
        assert "datetime.now(" not in text and ".now()" not in text, f"{path} reads the clock"
        assert "date.today(" not in text and "time.time(" not in text, f"{path} reads the clock"


def _enclosing_functions(tree: ast.AST) -> dict[int, str]:
    owner: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for child in ast.walk(node):
                owner.setdefault(id(child), node.name)
    return owner


def test_hall_sources_import_no_textual_or_screens():
    for path in (ROOT / "hall").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        owner = _enclosing_functions(tree)
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert _top(name) not in ("textual", "starlette", "uvicorn", "jinja2"), f"{path}: imports {name}"
                if _top(name) == "screens":
                    allowed = path.parent.name == "cli" and owner.get(id(node)) in ("tui", "kiosk")
                    assert allowed, f"{path}: imports {name} outside the tui/kiosk commands"
                if _top(name) == "web":
                    allowed = path.parent.name == "cli" and owner.get(id(node)) == "web"
                    assert allowed, f"{path}: imports {name} outside the web command"


def test_screens_and_web_write_no_sql():
    files = [p for package in ("screens", "web") for p in (ROOT / package).rglob("*.py") if p.name != "__init__.py"]
    assert files, "no screen modules found"
    for path in files:
        text = path.read_text(encoding="utf-8")
        for needle in ("execute(", "SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", "import sqlite3"):
            assert needle not in text, f"{path} contains {needle!r}"
