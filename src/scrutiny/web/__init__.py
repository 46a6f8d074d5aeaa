"""The web service: GOV.UK-style pages and a JSON API over the library.

Views authorise, call the library and render; statistics stay in the library.
"""

from scrutiny.web.app import create_app

__all__ = ["create_app"]
