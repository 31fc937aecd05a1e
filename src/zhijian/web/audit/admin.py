"""Audit rows are not editable anywhere; the read-only page is ``audit:list``."""
