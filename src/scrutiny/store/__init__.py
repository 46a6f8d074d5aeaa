"""The database: schema, engine, migrations, readers, bulk writes, audit and accounts.

May import core, settings, reference and standard (all scrutiny.*). The layers are checked
by import-linter (docs/architecture.md).
"""
