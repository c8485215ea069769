"""What an approval is bound to: one exact action under one policy, and nothing else.

The hash covers the tool, its input as canonical JSON, the working directory, the session and the policy's
digest, so a grant cannot be replayed for another command, another folder, another agent session, or after the
policy changed under it. Only the agent's commentary is left out (Bash's `description`: what the agent says it
is doing, kept with the request as its stated reason): a retry may word it differently and still run the same.
"""

from __future__ import annotations

import json

from agentguard.ledger.merkle import sha256  # the builtin SHA-256: hashlib would load OpenSSL in the hook
from agentguard.models import Action

COMMENTARY = frozenset({"description"})  # tool-input keys that say why, and change nothing that runs


def action_hash(action: Action, policy_digest: str) -> str:
    bound = {
        "tool": action.tool,
        "tool_input": {k: v for k, v in action.tool_input.items() if k not in COMMENTARY},
        "cwd": action.cwd,
        "session": action.session_id or "",
        "policy": policy_digest,
    }
    text = json.dumps(bound, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(sha256(text.encode("utf-8")).hexdigest())
