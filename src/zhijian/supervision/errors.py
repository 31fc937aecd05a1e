"""Errors of the supervision engine."""

from __future__ import annotations


class ModelError(Exception):
    """A model that cannot be loaded or run; the message is Chinese and names the model."""
