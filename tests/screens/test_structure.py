"""How the screens package is put together: each screen's style sheet applies to that screen only
(Textual loads a screen's CSS_PATH app-wide), and no screen imports another (navigation goes
through the app)."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest
from textual.screen import Screen

SCREENS = Path(__file__).resolve().parents[2] / "screens"
SCREEN_MODULES = sorted(p.stem for p in SCREENS.glob("*.py")
                        if p.stem not in ("__init__", "app", "base", "commands", "text", "member_actions"))


def top_level_selectors(css: str) -> list[str]:
    """The selectors of the rules at the top of a style sheet (not those nested inside a rule)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    selectors, depth, start = [], 0, 0
    for i, ch in enumerate(css):
        if ch == "{":
            if depth == 0:
                selectors.extend(s.strip() for s in css[start:i].split(",") if s.strip())
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                start = i + 1
    return selectors


def screen_classes() -> list[type[Screen]]:
    found = []
    for name in SCREEN_MODULES:
        module = importlib.import_module(f"screens.{name}")
        found += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, Screen) and cls.__module__ == module.__name__ and cls.CSS_PATH]
    return found


def test_the_selector_reader_sees_only_the_top_level():
    css = "/* a, b { } */ Foo { #x { a: b; } .y, .z { c: d; } }\nBar, Baz.-q { e: f; }"
    assert top_level_selectors(css) == ["Foo", "Bar", "Baz.-q"]


@pytest.mark.parametrize("screen", screen_classes(), ids=lambda cls: cls.__name__)
def test_each_screens_css_is_scoped_to_that_screen(screen):
    paths = [screen.CSS_PATH] if isinstance(screen.CSS_PATH, (str, Path)) else list(screen.CSS_PATH)
    for path in paths:
        css = (SCREENS / path).read_text(encoding="utf-8")
        owners = {cls.__name__ for cls in screen.__mro__}
        for selector in top_level_selectors(css):
            first = re.match(r"[A-Za-z_][\w-]*", selector)
            assert first and first.group(0) in owners, f"{path}: {selector!r} is not inside {screen.__name__}"


def test_shared_styles_live_in_app_tcss_and_widgets():
    # the only top-level classes in the app's sheet are the shared ones every screen may use
    selectors = top_level_selectors((SCREENS / "app.tcss").read_text(encoding="utf-8"))
    assert selectors and all(s.startswith(".") or s in ("DataTable",) for s in selectors), selectors


@pytest.mark.parametrize("name", SCREEN_MODULES)
def test_no_screen_imports_another_screen(name):
    tree = ast.parse((SCREENS / f"{name}.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("screens."):
            imported.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            imported |= {a.name.split(".")[1] for a in node.names if a.name.startswith("screens.")}
    others = imported & (set(SCREEN_MODULES) - {name})
    assert not others, f"screens/{name}.py imports the screen module(s) {sorted(others)}: go through the app"
