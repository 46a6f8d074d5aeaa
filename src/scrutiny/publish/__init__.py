"""Publishing: charts declared once, rendering, open data and reports.

May import every domain package below it; never the CLI or the web.
"""
