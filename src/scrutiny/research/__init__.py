"""Research on what happens after compliance.

May import every domain package below scrutiny.publish.
"""
