"""The sandbox's limits, in a module of their own so that settings can name them without
loading the engine."""

from __future__ import annotations

# Seconds a model's query may run before it is interrupted.
DEFAULT_SECONDS = 120.0
# The most rows a model's result may have. A model finds departures from the law, each a
# lead someone must verify: a result this large is a query that matches far too much,
# and holding it would cost the server its memory.
MAX_RESULT_ROWS = 200_000
# The environment variable that changes it (for ``zhijian models run`` and the web).
MAX_ROWS_VARIABLE = "ZHIJIAN_MODEL_MAX_ROWS"
