"""智慧执检 zhijian: a platform for procuratorial supervision of criminal execution."""

from __future__ import annotations

__version__ = "0.1.0"
