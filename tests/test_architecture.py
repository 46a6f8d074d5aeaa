"""The house rules: packages say what they may import, and the layers contract holds."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import scrutiny

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = sorted(
    module.name for module in pkgutil.iter_modules(scrutiny.__path__) if module.ispkg
)


def test_every_top_level_package_says_its_job_and_what_it_may_import():
    for name in TOP_LEVEL:
        package = __import__(f"scrutiny.{name}", fromlist=["_"])
        doc = package.__doc__ or ""
        assert doc.strip(), f"scrutiny.{name} has no docstring"
        assert "May import" in doc or "Imports nothing" in doc, f"scrutiny.{name}: {doc!r}"


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
