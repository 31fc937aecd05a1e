"""The supervision engine: model specs, the SQL sandbox, runs and their hits. Never
imports Django; the web's leads app turns a run's hits into leads."""

from __future__ import annotations
