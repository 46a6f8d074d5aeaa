import json
from dataclasses import fields
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_standard_export_writes_the_package(tmp_path):
    result = runner.invoke(app, ["standard", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["version"] == "2.0.0"
    assert (tmp_path / "out" / "standard.md").exists()


def test_version_option_and_command_print_the_package_and_standard_versions():
    import scrutiny

    expected = f"scrutiny {scrutiny.__version__}, data standard 2.0.0"
    assert runner.invoke(app, ["--version"]).output.strip() == expected
    assert runner.invoke(app, ["version"]).output.strip() == expected


def test_the_package_version_is_written_once_and_read_by_the_build():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = {attr = "scrutiny.__version__"}' in pyproject


def test_calendar_add_and_between_print_dates_and_counts():
    assert runner.invoke(app, ["calendar", "add", "2023-12-18", "5"]).output.strip() == (
        "2023-12-27"
    )
    result = runner.invoke(app, ["calendar", "between", "2023-12-18", "2023-12-27"])
    assert result.output.strip() == "5"


def test_calendar_refresh_refuses_a_bad_file_with_a_clear_message(tmp_path):
    bad = tmp_path / "feed.json"
    bad.write_text("not json", encoding="utf-8")
    result = runner.invoke(app, ["calendar", "refresh", str(bad)])
    assert result.exit_code == 1
    assert "not a GOV.UK bank-holidays feed" in result.output


def test_clock_summarises_and_writes_the_example_file(tmp_path):
    out = tmp_path / "clock.csv"
    result = runner.invoke(
        app,
        [
            "clock",
            str(ROOT / "examples" / "complaints.csv"),
            "--as-of",
            "2024-06-28",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 of 5" in result.output  # stage 1 acknowledged on time
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert "response_due_date" in header and "overdue" in header


def test_clock_reports_a_missing_file_without_a_traceback(tmp_path):
    result = runner.invoke(app, ["clock", str(tmp_path / "missing.csv")])
    assert result.exit_code == 1
    assert "Error" in result.output and "missing.csv" in result.output
    assert "Traceback" not in result.output


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    def name(command) -> str:
        return command.name or command.callback.__name__.replace("_", "-")

    commands = [f"scrutiny {name(command)}" for command in app.registered_commands]
    for group in app.registered_groups:
        commands += [
            f"scrutiny {group.name} {name(command)}"
            for command in group.typer_instance.registered_commands
        ]
    assert len(commands) >= 11
    for command in commands:
        assert command in readme, command


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for spec in fields(Settings):
        assert f"SCRUTINY_{spec.name.upper()}" in readme, spec.name


def test_settings_come_from_scrutiny_variables_with_clear_errors():
    settings = Settings.from_env({"SCRUTINY_MAX_ROWS": "10", "SCRUTINY_USER": "alex"})
    assert (settings.max_rows, settings.user) == (10, "alex")
    assert Settings.from_env({}).database_url == "sqlite:///scrutiny.db"
    with pytest.raises(ValueError, match="SCRUTINY_MAX_ROWS must be a whole number"):
        Settings.from_env({"SCRUTINY_MAX_ROWS": "lots"})


HEAVY_LIBRARIES = ("numpy", "scipy", "sqlalchemy")


@pytest.mark.parametrize(
    "command",
    [
        "import scrutiny.cli",
        # Validating a file: polars reads it; nothing compares, charts or stores anything.
        "from scrutiny.cli import app; app(['validate', 'examples/complaints.csv'], "
        "standalone_mode=False)",
    ],
    ids=["start-up", "validate"],
)
def test_the_command_line_starts_without_loading_numpy_scipy_or_sqlalchemy(command):
    """Start-up time counts in every command: heavy libraries load when a command needs them
    (numpy alone is 0.2 s, paid by `scrutiny validate` when a command's help text reached
    for a constant beside the statistics)."""
    import subprocess
    import sys

    probe = f"import sys\n{command}\nprint(sorted(set({HEAVY_LIBRARIES}) & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert loaded.stdout.strip().splitlines()[-1:] == ["[]"], loaded.stdout + loaded.stderr
