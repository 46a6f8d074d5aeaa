"""Copy the licence of every npm package behind the vendored web assets beside them.

The minified GOV.UK Frontend and Vega files that `make assets` copies into
src/scrutiny/web/static/vendor/ bundle their npm dependencies (Vega bundles d3, for
example), so each of those packages' licences must travel with them. This reads
package-lock.json, copies each installed package's licence file from node_modules into
vendor/licences/NAME.txt and writes vendor/licences/README.md listing name, version and
licence. A package that ships no licence file (govuk-frontend's npm package has none)
takes its text from the committed licences/ folder; a package with neither stops the
build. Standard library only: it runs before the virtualenv exists.

Usage: python scripts/vendor_licences.py  (from the repository root; `make assets` runs it)
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR_LICENCES = ROOT / "src" / "scrutiny" / "web" / "static" / "vendor" / "licences"
COMMITTED = ROOT / "licences"
# Installed by package.json for the browser tests only; nothing of it is vendored.
NOT_VENDORED = {"axe-core"}
LICENCE_NAMES = ("license", "licence", "copying")


def licence_file(package_dir: Path) -> Path | None:
    """The package's own licence file, if it ships one."""
    if not package_dir.is_dir():
        return None
    for path in sorted(package_dir.iterdir()):
        if path.is_file() and path.name.lower().startswith(LICENCE_NAMES):
            return path
    return None


def main() -> int:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    VENDOR_LICENCES.mkdir(parents=True, exist_ok=True)
    rows = []
    missing = []
    for path, meta in sorted(lock["packages"].items()):
        if not path or meta.get("dev"):
            continue
        name = path.rsplit("node_modules/", 1)[1]
        if name in NOT_VENDORED:
            continue
        # Nested copies (vega-lite/node_modules/tslib) get the parent's name in front.
        flat = path.removeprefix("node_modules/").replace("/node_modules/", "__").replace("/", "_")
        source = licence_file(ROOT / path) or COMMITTED / f"{flat}.txt"
        if not source.is_file():
            missing.append(f"{name} {meta.get('version')}")
            continue
        shutil.copyfile(source, VENDOR_LICENCES / f"{flat}.txt")
        rows.append(f"| {name} | {meta.get('version')} | {meta.get('license')} | {flat}.txt |")
    if missing:
        print(f"no licence text for: {', '.join(missing)}; add it to licences/", file=sys.stderr)
        return 1
    index = [
        "# Licences of the vendored web assets",
        "",
        "Written by scripts/vendor_licences.py from package-lock.json; see",
        "THIRD_PARTY_NOTICES.md in the scrutiny distribution.",
        "",
        "| Package | Version | Licence | Text |",
        "|---|---|---|---|",
        *rows,
        "",
    ]
    (VENDOR_LICENCES / "README.md").write_text("\n".join(index), encoding="utf-8")
    print(f"copied {len(rows)} licences into {VENDOR_LICENCES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
