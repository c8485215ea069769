"""Receipts: "done" checked against reality (checks run on an exact tree, signed into the ledger), the review
gate for big or protected changes, data-state receipts and migrations with a way back (issue 14)."""
