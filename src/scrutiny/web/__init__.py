"""The web service: GOV.UK-style pages and a JSON API over the library.

Views authorise, call the library and render; statistics stay in the library.

May import every package of scrutiny but the demo and the CLI. The layers are checked by
import-linter (docs/architecture.md).
"""

from scrutiny.web.app import create_app

__all__ = ["create_app"]
