"""Reference data: councils, their names and peers, working days and due dates.

May import scrutiny.core only.
"""
