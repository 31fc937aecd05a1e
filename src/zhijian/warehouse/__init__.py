"""The warehouse: the data standard as code, readers, validation with quarantine,
Delta storage and DuckDB views for compute. Never imports Django."""

from __future__ import annotations
