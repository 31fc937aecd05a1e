"""The one error the legal kernel raises for bad input."""

from __future__ import annotations


class LawInputError(ValueError):
    """Input the kernel cannot work with. The message is Chinese and shown to users as is."""
