from scrutiny.cli import app

app()
