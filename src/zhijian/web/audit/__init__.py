"""The audit log: append-only, each row chained by hash to the one before it."""
