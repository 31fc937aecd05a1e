"""Errors the warehouse raises for input it cannot use."""

from __future__ import annotations


class WarehouseError(Exception):
    """A file, dataset or query the warehouse cannot use; the message is Chinese and is
    shown to users as is."""
