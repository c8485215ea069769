"""The review gate: a change that is large or touches protected code needs a human before it ships.

The change is the diff from the last reviewed base to the tree being shipped. Reviewed bases are the trees a
human approved (`review_approved` ledger events, signed with the admin key: `agentguard review approve`, and
the committed tree when `agentguard init` ran) and, when the user's config says `trust_upstream = true`, what
the upstream already has (the merge-base with the branch's upstream, or with origin's default branch); the one
that leaves the smallest diff is used, and with none of them the whole tree is new. The approval is bound to
the diff's hash.

`approved(places, root, diff_hash)` is the one place that says whether a human approved a diff: the seam where
an approvals queue can take over.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, NamedTuple

from agentguard.policy import globs
from agentguard.receipts import tree as trees
from agentguard.state import Places

if TYPE_CHECKING:
    from agentguard.policy.model import Policy

STATUS = {"A": "added", "D": "deleted", "M": "modified", "T": "type changed"}
SCAN = 500
UPSTREAMS = ("@{upstream}", "refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/remotes/origin/master")


class ReviewState(NamedTuple):
    project: str
    base: str  # git tree id of the reviewed base
    base_from: str  # how that base was found, in words
    tree: str  # git tree id of what ships
    changed_lines: int
    changed_files: int
    protected: tuple[tuple[str, str], ...]  # (path, added|deleted|modified) of protected paths touched
    diff_hash: str  # "sha256:<hex>" of the binary diff base..tree
    max_lines: int

    @property
    def too_big(self) -> bool:
        return self.changed_lines > self.max_lines

    @property
    def reviewable(self) -> bool:
        return self.too_big or bool(self.protected)

    def why(self) -> str:
        parts = []
        if self.too_big:
            parts.append(f"{self.changed_lines:,} changed lines > {self.max_lines:,}")
        if self.protected:
            shown = ", ".join(f"{path} ({status})" for path, status in self.protected[:8])
            more = f" and {len(self.protected) - 8} more" if len(self.protected) > 8 else ""
            parts.append(f"touches protected {shown}{more}")
        return ", ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {"project": self.project, "base": self.base, "base_from": self.base_from, "tree": self.tree,
                "changed_lines": self.changed_lines, "changed_files": self.changed_files,
                "protected": [{"path": p, "status": s} for p, s in self.protected], "diff_hash": self.diff_hash,
                "max_lines": self.max_lines, "reviewable": self.reviewable}  # fmt: skip


def review_state(places: Places, root: str, policy: Policy, tree: str | None = None) -> ReviewState:
    """The change `tree` (default: the working tree as it is) makes over the last reviewed base."""
    tree = tree or trees.working_tree_id(root)
    best: ReviewState | None = None
    for base, label in _bases(places, root, policy.review_trust_upstream):
        state = _measure(root, policy, base, label, tree)
        if best is None or state.changed_lines < best.changed_lines:
            best = state
        if state.changed_lines == 0:
            break
    assert best is not None  # _bases always ends with the empty tree
    return best


def _measure(root: str, policy: Policy, base: str, label: str, tree: str) -> ReviewState:
    lines = files = 0
    for row in trees.git(root, "diff", "--numstat", "--no-renames", base, tree).splitlines():
        added, deleted, _ = row.split("\t", 2)
        files += 1
        lines += (int(added) if added.isdigit() else 1) + (int(deleted) if deleted.isdigit() else 0)
    protected = []
    if policy.review_protected:
        for row in trees.git(root, "diff", "--name-status", "--no-renames", base, tree).splitlines():
            status, path = row.split("\t", 1)
            if is_protected(path, policy.review_protected):
                protected.append((path, STATUS.get(status[:1], status)))
    patch = trees.git_bytes(root, "diff", "--binary", "--full-index", "--no-renames", base, tree)
    digest = "sha256:" + hashlib.sha256(patch).hexdigest()
    protected.sort(key=lambda item: (item[1] != "deleted", item[0]))  # a removal first: the incident's tell
    return ReviewState(root, base, label, tree, lines, files, tuple(protected), digest, policy.review_max_lines)


def is_protected(path: str, patterns: tuple[str, ...]) -> bool:
    """`src/payments/**` is anchored at the project root; a pattern without a slash (`*.sql`) matches anywhere."""
    for pattern in patterns:
        anchored = "/" + pattern.lstrip("/") if "/" in pattern.rstrip("/") else pattern
        if globs.compile_glob(anchored).match("/" + path):
            return True
    return False


def _bases(places: Places, root: str, upstream: bool) -> list[tuple[str, str]]:
    """Admin-signed approvals (init's baseline among them); the upstream's merge-base only when the user's
    config trusts it: the agent can move remote-tracking refs (`git fetch . HEAD:refs/remotes/origin/main`)."""
    found = [(tree, f"approved in ledger event {seq}") for tree, seq in _approved_trees(places, root)]
    found = [(t, label) for t, label in found if trees.has_tree(root, t)]
    for ref in UPSTREAMS if upstream else ():
        try:
            base = trees.git(root, "merge-base", "HEAD", ref).strip()
        except trees.TreeError:
            continue
        found.append((trees.commit_tree(root, base), f"merge-base with {ref}"))
        break
    found.append((trees.empty_tree(root), "nothing reviewed yet (no approval, no baseline from `agentguard init`): "
                  "the whole tree"))  # fmt: skip
    return found


def _approved_trees(places: Places, root: str) -> list[tuple[str, int]]:
    from agentguard.ledger import Ledger

    try:
        with Ledger.open(places, readonly=True) as ledger:
            events = ledger.last(SCAN, "review_approved")
    except Exception:  # no ledger yet: nothing was approved
        return []
    return [(str(e.payload.get("tree")), e.seq) for e in reversed(events) if e.payload.get("project") == root]


def approved(places: Places, root: str, diff_hash: str) -> int | None:
    """The ledger event in which a human approved this diff, or None. (The seam for an approvals queue.)"""
    from agentguard.ledger import Ledger

    try:
        with Ledger.open(places, readonly=True) as ledger:
            events = ledger.last(SCAN, "review_approved")
    except Exception:
        return None
    for event in reversed(events):
        if event.payload.get("project") == root and event.payload.get("diff_hash") == diff_hash:
            return int(event.seq)
    return None


def approve_hint(state: ReviewState) -> str:
    return (f"approve with `agentguard review approve {state.diff_hash}` or on the dashboard's Review page (a "
            "human, outside the agent)")  # fmt: skip
