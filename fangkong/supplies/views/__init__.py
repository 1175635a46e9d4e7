"""Pages of the supplies ledger, one module per capability."""
