"""Build scrutiny's wheel, install it in a fresh virtualenv and use it as a user would.

The tests run scrutiny from the checkout; this proves the built artefact. It builds the
sdist and, from it, the wheel (so a file missing from either shows), checks the wheel
holds every file under src/scrutiny that git tracks, every web asset and licence, and
`py.typed`, then installs it with exactly the locked dependencies (uv export; uv's cache
holds their wheels after `make install`, so nothing is fetched but from PyPI) into a new
virtualenv outside the checkout and, from a scratch folder, runs `scrutiny --version`,
migrations on a new SQLite file, `scrutiny standard export`, serves a page and fetches
its stylesheet, scripts and a font, and renders the annual report, a councillor pack and
the national overview from a tiny demo database. It also checks that the sdist with its
web assets taken out refuses to build a wheel.

Usage: python scripts/smoke_wheel.py [--uv PATH] [--keep]  (`make wheel-smoke` runs it)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "scrutiny"
VENDOR = PACKAGE / "web" / "static" / "vendor"
COUNCIL = "E06000047"  # County Durham, a council in every demo
YEAR = "2024-25"
STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:5.1f} s] {message}", flush=True)


def run(
    command: Sequence[str | Path], env: dict[str, str] | None = None, cwd: Path | None = None
) -> str:
    """Run COMMAND, stopping the smoke test with its output if it fails."""
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, env=env, cwd=cwd
    )
    if done.returncode != 0:
        sys.exit(
            f"FAILED ({done.returncode}): {' '.join(map(str, command))}\n{done.stdout}{done.stderr}"
        )
    return str(done.stdout)


def build(uv: str, out: Path) -> Path:
    """The wheel, built from the sdist built from the checkout."""
    run([uv, "build", "--quiet", "--python", sys.executable, "--out-dir", out, ROOT])
    wheels = list(out.glob("scrutiny-*.whl"))
    if len(wheels) != 1 or not list(out.glob("scrutiny-*.tar.gz")):
        sys.exit(f"FAILED: expected one sdist and one wheel in {out}: {sorted(out.iterdir())}")
    return wheels[0]


def check_build_refuses_without_assets(uv: str, sdist: Path, scratch: Path) -> None:
    """The sdist with its web assets taken out must not build a wheel."""
    shutil.unpack_archive(sdist, scratch)
    tree = scratch / sdist.name.removesuffix(".tar.gz")
    shutil.rmtree(tree / "src" / "scrutiny" / "web" / "static" / "vendor")
    command: list[str | Path] = [
        uv,
        "build",
        "--wheel",
        "--python",
        sys.executable,
        "--out-dir",
        scratch,
        tree,
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode == 0 or "web assets missing" not in done.stdout + done.stderr:
        sys.exit(f"FAILED: a wheel built without the web assets:\n{done.stdout}{done.stderr}")
    say("without the web assets the build stops: 'web assets missing ... run make assets'")


def check_contents(wheel: Path) -> None:
    """Every tracked package file, web asset and licence is in the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = run(["git", "ls-files", "src/scrutiny"], cwd=ROOT).split()
    expected = {name.removeprefix("src/") for name in tracked}
    expected |= {
        f"scrutiny/{path.relative_to(PACKAGE).as_posix()}"
        for path in VENDOR.rglob("*")
        if path.is_file() and path.name != ".built"
    }
    dist_info = f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"
    expected |= {f"{dist_info}/licenses/LICENSE", f"{dist_info}/licenses/THIRD_PARTY_NOTICES.md"}
    for needed in ("scrutiny/py.typed", "scrutiny/reference/data/SOURCES.md"):
        expected.add(needed)
    missing = sorted(expected - names)
    if missing:
        sys.exit(f"FAILED: {len(missing)} files missing from {wheel.name}: {missing[:20]}")
    if not any(name.startswith("scrutiny/web/static/vendor/licences/") for name in names):
        sys.exit("FAILED: no vendored licences in the wheel")
    strays = sorted(n for n in names if not n.startswith(("scrutiny/", dist_info)))
    if strays:
        sys.exit(f"FAILED: files outside the package in {wheel.name}: {strays[:20]}")
    say(f"{wheel.name}: {len(names)} files, none missing of {len(expected)} expected")


def install(uv: str, wheel: Path, venv: Path) -> Path:
    """A new virtualenv with the locked runtime dependencies and the wheel; its bin folder."""
    requirements = venv.parent / "requirements.txt"
    export = [uv, "export", "--locked", "--no-dev", "--no-emit-project", "--quiet"]
    run([*export, "--output-file", requirements], cwd=ROOT)
    run([uv, "venv", "--quiet", "--python", sys.executable, venv])
    pip: list[str | Path] = [uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python"]
    run([*pip, "--require-hashes", "--requirement", requirements])
    run([*pip, "--no-deps", wheel])
    return venv / "bin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, "", b""


def check_served_page(scrutiny: Path, env: dict[str, str], scratch: Path) -> None:
    """Serve the database, fetch a page, then its stylesheets, scripts and a font."""
    port = free_port()
    log = (scratch / "serve.log").open("w")
    server = subprocess.Popen(
        [str(scrutiny), "serve", "--port", str(port)], env=env, cwd=scratch, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if server.poll() is not None:
                sys.exit(f"FAILED: scrutiny serve stopped:\n{(scratch / 'serve.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.25)
        status, kind, body = fetch(f"{base}/standard")
        page = body.decode()
        if status != 200 or kind != "text/html" or "govuk-template" not in page:
            sys.exit(f"FAILED: /standard answered {status} {kind}")
        assets = re.findall(r'<link[^>]+href="(/static/[^"]+\.css)"', page)
        assets += re.findall(r'<script[^>]+src="(/static/[^"]+)"', page)
        if not any("vendor/govuk" in asset for asset in assets):
            sys.exit(f"FAILED: /standard links no GOV.UK Frontend asset: {assets}")
        stylesheet = ""
        for asset in assets:
            status, kind, body = fetch(base + asset)
            if status != 200 or not body:
                sys.exit(f"FAILED: {asset} answered {status} with {len(body)} bytes")
            if asset.endswith(".css"):
                stylesheet += body.decode()
        if "GDS Transport" in stylesheet or "font-family:arial,sans-serif" not in stylesheet:
            sys.exit("FAILED: the stylesheet is not GOV.UK Frontend built with the system font")
        status, kind, body = fetch(f"{base}/favicon.ico")
        if status != 200 or not body:
            sys.exit(f"FAILED: /favicon.ico answered {status}")
        status, _, body = fetch(f"{base}/static/vendor/licences/README.md")
        if status != 200:
            sys.exit(f"FAILED: the vendored licences are not served ({status})")
        say(f"served /standard, its {len(assets)} stylesheets and scripts and the favicon: 200")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def render_reports(scrutiny: Path, env: dict[str, str], scratch: Path) -> None:
    """The annual report, a councillor pack and the national overview, written at once."""
    commands = {
        "annual.html": ["report", "annual", "--authority", COUNCIL, "--year", YEAR],
        "pack.html": ["report", "pack", "--authority", COUNCIL, "--period", YEAR],
        "national.html": ["report", "national", "--year", YEAR],
    }
    running = {
        name: subprocess.Popen(
            [str(scrutiny), *args, "--format", "html", "--output", str(scratch / name)],
            env=env,
            cwd=scratch,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, args in commands.items()
    }
    for name, process in running.items():
        output, _ = process.communicate(timeout=600)
        written = scratch / name
        if process.returncode != 0 or not written.exists():
            sys.exit(f"FAILED: scrutiny {' '.join(commands[name])}:\n{output}")
        html = written.read_text(encoding="utf-8")
        if "<html" not in html or "<h1" not in html or "{{" in html:
            sys.exit(f"FAILED: {name} is not a rendered report")
    say("rendered the annual report, a councillor pack and the national overview")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uv", default="uv", help="the uv to build and install with")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    uv = str(Path(args.uv).resolve()) if os.sep in args.uv else args.uv

    scratch = Path(tempfile.mkdtemp(prefix="scrutiny-wheel-"))
    try:
        smoke(uv, scratch)
    except BaseException:
        print(f"the scratch folder is kept for a look: {scratch}", file=sys.stderr)
        raise
    if args.keep:
        say(f"kept {scratch}")
    else:
        shutil.rmtree(scratch)
    print(f"wheel smoke test passed in {time.perf_counter() - STARTED:.0f} s")
    return 0


def smoke(uv: str, scratch: Path) -> None:
    """Every step, in SCRATCH."""
    wheel = build(uv, scratch / "dist")
    say(f"built {wheel.name} from the sdist")
    check_contents(wheel)
    sdist = next((scratch / "dist").glob("scrutiny-*.tar.gz"))
    check_build_refuses_without_assets(uv, sdist, scratch / "bare")
    bin_dir = install(uv, wheel, scratch / "venv")
    say("installed it with the locked dependencies in a new virtualenv")

    scrutiny = bin_dir / "scrutiny"
    # Nothing of the checkout: no PYTHONPATH, and commands run from the scratch folder.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SCRUTINY_"))}
    version = wheel.name.split("-")[1]
    shown = run([scrutiny, "--version"], env=env, cwd=scratch)
    if not shown.startswith(f"scrutiny {version}, data standard "):
        sys.exit(f"FAILED: scrutiny --version printed {shown!r}")
    probe = "import scrutiny; print(scrutiny.__file__)"
    located = run([bin_dir / "python", "-c", probe], env=env, cwd=scratch)
    if not located.startswith(str(scratch / "venv")):
        sys.exit(f"FAILED: scrutiny imported from {located.strip()}, not the new virtualenv")
    say(shown.strip())

    database = scratch / "new.db"
    url = f"sqlite:///{database}"
    run([scrutiny, "db", "upgrade"], env={**env, "SCRUTINY_DATABASE_URL": url}, cwd=scratch)
    with sqlite3.connect(database) as connection:
        head = [row[0] for row in connection.execute("select version_num from alembic_version")]
    newest = max((PACKAGE / "store" / "migrations" / "versions").glob("[0-9]*.py")).stem
    if head != [newest.split("_")[0]]:
        sys.exit(f"FAILED: the new database is at {head}, not {newest}")
    say(f"migrated a new SQLite database to {newest}")

    run([scrutiny, "standard", "export", scratch / "standard"], env=env, cwd=scratch)
    exported = {path.name for path in (scratch / "standard").iterdir()}
    if not {"datapackage.json", "standard.md"} <= exported:
        sys.exit(f"FAILED: scrutiny standard export wrote {sorted(exported)}")
    say(f"exported the data standard ({len(exported)} files)")

    run([scrutiny, "demo", scratch / "demo", "--scale", "0.005"], env=env, cwd=scratch)
    demo_url = f"sqlite:///{scratch / 'demo' / 'scrutiny.store.db'}"
    demo_env = {**env, "SCRUTINY_DATABASE_URL": demo_url}
    say("built a tiny demo database")
    check_served_page(scrutiny, demo_env, scratch)
    render_reports(scrutiny, demo_env, scratch)


if __name__ == "__main__":
    sys.exit(main())
