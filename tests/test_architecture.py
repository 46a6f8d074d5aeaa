"""The house rules: packages say what they may import, and the layers contract holds."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import scrutiny

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = sorted(
    module.name for module in pkgutil.iter_modules(scrutiny.__path__) if module.ispkg
)


PACKAGES = sorted(
    module.name for module in pkgutil.walk_packages(scrutiny.__path__, "scrutiny.") if module.ispkg
)


def test_every_package_says_its_job_and_what_it_may_import():
    assert "scrutiny.warning.signals" in PACKAGES  # sub-packages are walked too
    for name in PACKAGES:
        doc = importlib.import_module(name).__doc__ or ""
        assert doc.strip(), f"{name} has no docstring"
        says = ("May import", "may import", "Imports nothing", "Statistics only")
        assert any(words in doc for words in says), f"{name}: {doc!r}"


def test_the_views_contract_names_every_view_module():
    """views-are-routers lists the view modules by name: a new one must join the list."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    views = next(
        c for c in contracts["tool"]["importlinter"]["contracts"] if c["id"] == "views-are-routers"
    )
    found = {
        f"scrutiny.web.views.{m.name}"
        for m in pkgutil.iter_modules([str(ROOT / "src" / "scrutiny" / "web" / "views")])
    }
    # api only gathers the two API routers into one.
    assert set(views["modules"]) == found - {"scrutiny.web.views.api"}


def test_the_top_level_holds_only_packages_settings_and_entry_points():
    modules = {m.name for m in pkgutil.iter_modules(scrutiny.__path__) if not m.ispkg}
    assert modules == {"__main__", "settings"}


def test_the_architecture_page_names_every_top_level_package():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [name for name in TOP_LEVEL if f"`{name}`" not in page]
    assert not missing


def test_the_layers_contract_is_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "BROKEN" not in result.stdout
