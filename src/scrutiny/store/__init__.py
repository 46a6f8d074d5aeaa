"""The database: schema, engine, migrations, readers, bulk writes, audit and accounts;
its backups and restores (`backup`, with PostgreSQL's programs in `postgres_tools`) and
whether the service can use it (`health`).

May import core, settings, reference and standard (all scrutiny.*). The layers are checked
by import-linter (docs/architecture.md).
"""
