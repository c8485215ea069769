"""The one verb vocabulary of program specs: which verbs destroy, which only read, which are ordinary work.

A verb path without an entry of its own is judged by these words, the same way for every program: a destroying
verb anywhere in the path asks, a reading verb allows, anything else is an ordinary write. A dashed verb is
judged by its first part (`delete-keychain`, `remove_secret`, `DescribeInstances`) or, for destroying, its last
(`bucket-delete`), except that removing a tag, label or binding only changes the resource (`remove-tag`).
"""

from __future__ import annotations

import re

CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

DESTROY_VERBS = frozenset(
    """delete destroy remove rm del purge prune drop wipe reset unset revoke forget rb erase uninstall
    deregister delete-asset delete-all destroy-all remove-all terminate truncate flush expunge unpublish
    nuke rmi unregister decommission undeploy kill shutdown halt poweroff invalidate""".split()
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
# Verbs that put a release in front of users: ordinary, except into production (the policy denies that).
DEPLOY_VERBS = frozenset({"deploy", "redeploy", "promote"})
# Removing these from a resource changes it without destroying anything.
ATTRIBUTES = frozenset({"tag", "tags", "label", "labels", "binding", "bindings", "member", "annotation"})


def first_part(verb: str) -> str:
    return verb.split("-", 1)[0]


def dashed(verb: str) -> str:
    """`delete_queue`, `DeleteInstance` and `delete-queue` are one spelling: the vocabulary reads that one."""
    return CAMEL.sub("-", verb).replace("_", "-").lower()


def destroys(verb: str) -> bool:
    if verb in DESTROY_VERBS:
        return True
    parts = dashed(verb).split("-")
    if len(parts) < 2 or ATTRIBUTES & set(parts[1:]):
        return False
    return parts[0] in DESTROY_VERBS or parts[-1] in DESTROY_VERBS  # delete-keychain, bucket-delete


def reads(verb: str) -> bool:
    spelt = dashed(verb)
    return verb in READ_VERBS or ("-" in spelt and first_part(spelt) in READ_VERBS)
