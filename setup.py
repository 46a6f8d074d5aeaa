"""Build hooks: refuse to build scrutiny without its web assets.

Everything else about the build is declared in pyproject.toml. The assets (GOV.UK Frontend
and Vega, with their licences) are gitignored and put in place by `make assets`; a wheel
built without them would serve an unstyled site with no charts, and nothing would say so.
Editable installs (`make install`) are let through: they read the assets from the
checkout, where `make assets` puts them.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.errors import FileError

VENDOR = Path(__file__).parent / "src" / "scrutiny" / "web" / "static" / "vendor"
# What the pages load, and the licences that must travel with them.
REQUIRED = (
    "govuk/govuk-frontend.min.css",
    "govuk/govuk-frontend.min.js",
    "vega.min.js",
    "vega-lite.min.js",
    "vega-embed.min.js",
    "vega-interpreter.mjs",
    "licences/govuk-frontend.txt",
    "licences/vega.txt",
    "licences/vega-lite.txt",
    "licences/vega-embed.txt",
    "licences/vega-interpreter.txt",
)


def check_assets() -> None:
    """Stop the build unless every vendored asset and licence is in place."""
    missing = [name for name in REQUIRED if not (VENDOR / name).is_file()]
    if missing:
        raise FileError(
            f"web assets missing from {VENDOR}: {', '.join(missing)}. "
            "Run `make assets` (npm ci, then copies them) before building."
        )


class BuildPyWithAssets(build_py):
    def run(self) -> None:
        if not self.editable_mode:
            check_assets()
        super().run()


class SdistWithAssets(sdist):
    def run(self) -> None:
        check_assets()
        super().run()


setup(cmdclass={"build_py": BuildPyWithAssets, "sdist": SdistWithAssets})
