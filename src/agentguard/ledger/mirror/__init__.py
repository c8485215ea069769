"""Checkpoints mirrored outside the agent's reach: a directory, a git repository, an HTTP endpoint.

A mirror keeps signed checkpoint notes (C2SP tlog-checkpoint text) so that truncating the local ledger or
putting an older copy back shows up at the next start: the local tree must be consistent with the newest note
the mirrors hold. Mirrors only store and return text; signatures and consistency are the ledger's to check.

The file mirrors (dir, git) refuse a second, different note for a size they already hold: the ledger forked,
and the mirror is where that must stay visible. A note older than the newest held is skipped, not an error:
hook processes run in parallel and may publish out of order; a real rollback is caught by the start-up check
against the newest note. Failures are values (`MirrorFailure`), so the ledger records a failed mirror.
"""

from agentguard.ledger.mirror.base import (
    CHECKPOINTS,
    LATEST,
    MAX_NOTE,
    Anchor,
    AnchorReport,
    Mirror,
    MirrorError,
    MirrorFailure,
    MirrorsFailed,
    PublishReport,
    newest_anchor,
    note_size,
    publish_all,
    read_anchors,
)
from agentguard.ledger.mirror.config import build_mirrors, mirror_from_spec, mirrors_from_config, mirrors_from_specs
from agentguard.ledger.mirror.directory import DirectoryMirror
from agentguard.ledger.mirror.git import GitMirror
from agentguard.ledger.mirror.http import HttpMirror

__all__ = [
    "CHECKPOINTS",
    "LATEST",
    "MAX_NOTE",
    "Anchor",
    "AnchorReport",
    "DirectoryMirror",
    "GitMirror",
    "HttpMirror",
    "Mirror",
    "MirrorError",
    "MirrorFailure",
    "MirrorsFailed",
    "PublishReport",
    "build_mirrors",
    "mirror_from_spec",
    "mirrors_from_config",
    "mirrors_from_specs",
    "newest_anchor",
    "note_size",
    "publish_all",
    "read_anchors",
]
