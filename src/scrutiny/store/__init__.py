"""The database: schema, engine, migrations, readers, bulk writes, audit and accounts.

May import scrutiny.core, scrutiny.reference and scrutiny.standard.
"""
