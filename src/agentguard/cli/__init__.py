"""Console entry point. `agentguard hook claude` skips click entirely: it runs on every tool call."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:2] == ["hook", "claude"] and len(args) == 2:
        from agentguard.hosts.claude import run_hook

        sys.exit(run_hook(sys.stdin, sys.stdout))
    from agentguard.cli.app import cli

    cli.main(args=args, prog_name="agentguard")
