"""How the CLI behaves when protected mode is installed (the console entry point asks before click runs).

- root (a human through sudo): the command works on the daemon's state dir, and whatever it created there is
  given back to the daemon's user when it exits, so the daemon can go on writing its ledger and snapshots;
- the daemon's own user: its state dir;
- anyone else (the agent's user): only --help, --version, doctor and `system status`; everything else says to
  use sudo. Setting AGENTGUARD_HOME gives that user a guard of its own, never the daemon's.
"""

from __future__ import annotations

import os
import sys

OPEN_TO_ALL = (["doctor"], ["--help"], ["-h"], ["--version"])
NOT_REDIRECTED = (["system"], ["daemon"])


def apply(args: list[str]) -> None:
    """Set AGENTGUARD_HOME for protected mode, or exit 2 saying to use sudo; in user mode, nothing."""
    if os.environ.get("AGENTGUARD_HOME") or args[:1] in NOT_REDIRECTED or args[:2] == ["hook", "claude"]:
        return
    from agentguard.errors import AgentGuardError
    from agentguard.system.layout import installed

    try:
        layout = installed()
    except AgentGuardError as exc:
        sys.exit(f"agentguard: {exc.message}")
    if layout is None or args[:1] in OPEN_TO_ALL or not args:
        return
    if os.geteuid() == 0:
        os.environ["AGENTGUARD_HOME"] = layout.state
        import atexit

        atexit.register(_give_back, layout.state, layout.user)
        return
    import pwd

    if pwd.getpwuid(os.geteuid()).pw_name == layout.user:
        os.environ["AGENTGUARD_HOME"] = layout.state
        return
    sys.stderr.write(f"agentguard: protected mode is installed: its state belongs to the {layout.user} user and "
                     f"only a human changes it. Run it with sudo: sudo agentguard {' '.join(args)}\n")  # fmt: skip
    sys.exit(2)


def _give_back(state: str, user: str) -> None:
    """What a root command created in the state dir belongs to the daemon's user again."""
    import pwd

    try:
        owner = pwd.getpwnam(user)
    except KeyError:
        return
    for folder, dirs, files in os.walk(state):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            try:
                os.lchown(name, owner.pw_uid, owner.pw_gid)
            except OSError:
                continue
