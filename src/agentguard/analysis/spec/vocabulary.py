"""The one verb vocabulary of program specs: which verbs destroy, which only read, which are ordinary work.

A verb path without an entry of its own is judged by these words, the same way for every program: a destroying
verb anywhere in the path asks, a reading verb allows, anything else is an ordinary write.
"""

from __future__ import annotations

DESTROY_VERBS = frozenset(
    """delete destroy remove rm del purge prune drop wipe reset unset revoke forget rb erase uninstall
    deregister delete-asset delete-all destroy-all remove-all""".split()
)
READ_VERBS = frozenset(
    """list ls get view show status info logs log describe inspect whoami version help diff search cat stats
    history check verify tail read lookup members catalog find du stat tree head print snapshots browse
    checks watch ping capabilities audit-list current get-contexts""".split()
)
ACTION_VERBS = frozenset(
    """create set put add update edit merge clone restore cancel checkout deploy close reopen apply import push
    pull trigger enable disable rename sync fork archive comment review approve rerun upload scale write patch
    install""".split()
)
