"""Which code produced a result: the package version, the git commit, library versions."""

from __future__ import annotations

import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

LIBRARIES = ("pyfixest", "polars", "numpy", "scipy")


def _git(*args: str) -> str | None:
    """Output of a read-only git command run beside this package, or None without git."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


@cache
def code_version() -> dict[str, str | None]:
    """scrutiny's version, its git commit (with '-dirty' if changed since) and libraries'."""
    from scrutiny import __version__

    commit = _git("rev-parse", "HEAD") or None
    if commit is not None and _git(
        "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"
    ):
        commit += "-dirty"
    found: dict[str, str | None] = {"scrutiny": __version__, "git_commit": commit}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found
