"""python -m scrutiny.cli: the same as the scrutiny command."""

from scrutiny.cli import app

app()
