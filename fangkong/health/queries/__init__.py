"""Scoped reads of staff health, one module per capability (see services/)."""
