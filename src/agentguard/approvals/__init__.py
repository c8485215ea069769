"""Approvals: an ask that no prompt can answer becomes a pending, one-time grant a human gives elsewhere.

The hook never waits long (settings.wait_seconds) and never allows without a recorded human grant for the very
action it was asked about: the grant is bound to a hash of the action and used once, within its TTL.
"""
