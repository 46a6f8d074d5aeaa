"""The demo: a synthetic nation and the demo database. Never imported by the web service.

May import every domain package; only the CLI imports it.
"""
