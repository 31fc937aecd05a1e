"""The one place where text is written into SQL.

Values from a file, a user or a path never become SQL text except through
``sql_literal``; names through ``sql_identifier``. Everything else is bound as a
parameter (DuckDB) or passed as data (an Arrow table merged into a Delta table).
"""

from __future__ import annotations


def sql_literal(text: str) -> str:
    """A SQL string literal: ``it's`` becomes ``'it''s'``."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier: ``a"b`` becomes ``"a""b"``."""
    return '"' + name.replace('"', '""') + '"'
