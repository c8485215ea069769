"""The typed values that flow through the pipeline: Action → Effects → Decision.

Everything here is frozen: an effect or a decision, once made, is a fact that later stages (policy, snapshots,
ledger) read but never change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, NamedTuple


class Verdict(IntEnum):
    """Ordered so that the strictest verdict is the maximum (codex execpolicy: allow < prompt < forbidden)."""

    ALLOW = 0
    ASK = 1
    DENY = 2

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Verdict:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown verdict {text!r} (expected allow, ask or deny)") from None


class Kind(StrEnum):
    """What an action does to the world. Dotted names so policies can match a family with `db.*`."""

    READ = "read"  # only reads
    EXEC_TEST = "exec.test"  # runs tests, linters, type checkers
    EXEC_BUILD = "exec.build"  # builds, package installs: writes artifacts in the workspace
    EXEC_PROGRAM = "exec.program"  # runs a program whose effects are not modelled
    EXEC_REMOTE = "exec.remote"  # runs code fetched from the network or decoded at run time
    EXEC_MUTATE = "exec.mutate"  # an unmodelled program whose words name a destroying or mutating verb
    SECRET_READ = "secret.read"  # reads a credential store: ssh keys, cloud credentials, .env, keychains
    NETWORK_SEND = "network.send"  # uploads or writes to another host (POST, scp to a remote, nc to a host)
    NETWORK_EXFILTRATE = "network.exfiltrate"  # a secret read on the same line as a send to another host
    NETWORK_SHELL = "network.shell"  # a listener or connection that runs a shell (reverse or bind shell)
    FILE_WRITE = "file.write"  # creates a file or appends to one
    FILE_OVERWRITE = "file.overwrite"  # replaces or truncates existing content, edits in place
    FILE_DELETE = "file.delete"
    FILE_MOVE = "file.move"  # the source path stops existing
    FILE_PERMS = "file.perms"  # chmod / chown
    DB_WRITE = "db.write"  # INSERT, UPDATE … WHERE, CREATE
    DB_DROP = "db.drop"  # DROP TABLE / VIEW / SCHEMA / DATABASE, dropdb, dropDatabase()
    DB_TRUNCATE = "db.truncate"
    DB_DELETE = "db.delete"  # DELETE without WHERE, deleteMany({}), DEL key patterns
    DB_UPDATE = "db.update"  # UPDATE without WHERE
    DB_ALTER = "db.alter"  # ALTER … DROP
    DB_RESET = "db.reset"  # ORM resets, migrate to zero, FLUSHALL
    GIT_WRITE = "git.write"  # commit, ordinary push, branch creation
    GIT_DISCARD = "git.discard"  # loses uncommitted work: reset --hard, checkout -- ., clean -f
    GIT_REWRITE = "git.rewrite"  # rewrites shared history: push --force, filter-branch, reflog expire
    GIT_DELETE = "git.delete"  # deletes refs or stashes: branch -D, push --delete, stash drop
    CLOUD_WRITE = "cloud.write"
    CLOUD_DEPLOY = "cloud.deploy"  # deploys or promotes a release: ordinary work, except into production
    CLOUD_DESTROY = "cloud.destroy"
    CLUSTER_DESTROY = "cluster.destroy"  # kubectl delete / drain, helm uninstall
    INFRA_DESTROY = "infra.destroy"  # terraform destroy, pulumi destroy
    CONTAINER_DESTROY = "container.destroy"  # docker prune, volume rm, compose down -v
    SERVICE_DESTROY = "service.destroy"  # other hosted services: repos, apps, queues, secrets
    SYSTEM_DESTROY = "system.destroy"  # mkfs, dd onto a device, fork bombs, kill -9 -1, shutdown
    GUARD_TAMPER = "guard.tamper"  # edits, disables or re-modes agentguard itself
    UNKNOWN = "unknown"  # could not be parsed or resolved: never allowed by default

    @property
    def destructive(self) -> bool:
        return self in DESTRUCTIVE_KINDS

    @property
    def production_guarded(self) -> bool:
        """True when a production context makes the effect a deny (policy `[environments.production]`)."""
        return self in DESTRUCTIVE_KINDS or self is Kind.CLOUD_DEPLOY

    @property
    def mutating(self) -> bool:
        """True when the effect changes anything at all (used by freeze and plan modes)."""
        return self not in (Kind.READ, Kind.EXEC_TEST, Kind.SECRET_READ)


DESTRUCTIVE_KINDS = frozenset(
    {
        Kind.FILE_OVERWRITE,
        Kind.FILE_DELETE,
        Kind.FILE_MOVE,
        Kind.FILE_PERMS,
        Kind.DB_DROP,
        Kind.DB_TRUNCATE,
        Kind.DB_DELETE,
        Kind.DB_UPDATE,
        Kind.DB_ALTER,
        Kind.DB_RESET,
        Kind.GIT_DISCARD,
        Kind.GIT_REWRITE,
        Kind.GIT_DELETE,
        Kind.CLOUD_DESTROY,
        Kind.CLUSTER_DESTROY,
        Kind.INFRA_DESTROY,
        Kind.CONTAINER_DESTROY,
        Kind.SERVICE_DESTROY,
        Kind.SYSTEM_DESTROY,
    }
)


def _freeze(context: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> tuple[tuple[str, str], ...]:
    if context is None:
        return ()
    items = context.items() if isinstance(context, Mapping) else context
    return tuple(sorted((str(k), str(v)) for k, v in items if v is not None and v != ""))


@dataclass(frozen=True, slots=True)
class Effect:
    """One thing an action would do, stated as a fact; the policy judges it.

    `target` is what is acted on, as a person would name it (a path, `table users`, `s3://bucket`).
    `path` is the absolute, normalised path for effects on files (and on SQLite database files);
    `real_path` is the same with symlinks resolved, so a link cannot hide a protected file.
    `context` carries where it happens (DSN, host, database, kube context, cloud profile, git remote, branch),
    so a policy can single out production.
    """

    kind: Kind
    target: str
    detail: str
    source: str = ""
    path: str | None = None
    real_path: str | None = None
    recursive: bool = False
    is_dir: bool = False
    exists: bool | None = None
    size: int | None = None
    pattern: bool = False  # target is a glob that matched nothing on disk (yet)
    context: tuple[tuple[str, str], ...] = ()

    @classmethod
    def make(
        cls,
        kind: Kind,
        target: str,
        detail: str,
        *,
        context: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Effect:
        return cls(kind=kind, target=target, detail=detail, context=_freeze(context), **kwargs)

    @classmethod
    def unknown(cls, reason: str, source: str = "") -> Effect:
        """What cannot be parsed or resolved: a value, never an exception."""
        return cls(kind=Kind.UNKNOWN, target=source or "?", detail=reason, source=source)

    def ctx(self, key: str) -> str | None:
        for k, v in self.context:
            if k == key:
                return v
        return None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "target": self.target, "detail": self.detail}
        for name in ("source", "path", "real_path", "size"):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = value
        for flag in ("recursive", "is_dir", "pattern"):
            if getattr(self, flag):
                out[flag] = True
        if self.exists is not None:
            out["exists"] = self.exists
        if self.context:
            out["context"] = dict(self.context)
        return out


@dataclass(frozen=True, slots=True)
class Action:
    """What an agent proposes, normalised away from any host's JSON.

    `tool` is the host's tool name for file tools (Write, Edit, MultiEdit, NotebookEdit) or "Bash" for shell
    commands; `tool_input` is kept as the host gave it so file tools can be analysed.
    """

    tool: str
    cwd: str
    command: str | None = None
    tool_input: Mapping[str, Any] = field(default_factory=dict)
    session_id: str | None = None
    tool_use_id: str | None = None
    host: str = "cli"

    @classmethod
    def shell(cls, command: str, cwd: str, **kwargs: Any) -> Action:
        return cls(tool="Bash", cwd=cwd, command=command, tool_input={"command": command}, **kwargs)

    def describe(self) -> str:
        if self.command is not None:
            return self.command
        path = self.tool_input.get("file_path") or self.tool_input.get("notebook_path") or "?"
        return f"{self.tool} {path}"


class RuleMatch(NamedTuple):
    """A policy rule that matched one effect, with the verdict it gave. (A NamedTuple: frozen and typed, and
    cheaper than a dataclass to create in every hook process.)"""

    rule: str
    verdict: Verdict
    reason: str
    effect_index: int

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "verdict": str(self.verdict),
            "reason": self.reason,
            "effect": self.effect_index,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's answer. In shadow mode `verdict` is allow and `enforced` is False; `would_be` keeps
    the verdict the policy reached so a trial of a policy shows what it would have done."""

    verdict: Verdict
    reasons: tuple[str, ...]
    effects: tuple[Effect, ...]
    matches: tuple[RuleMatch, ...] = ()
    mode: str = "normal"
    would_be: Verdict | None = None
    error: str | None = None
    snapshot: str | None = None  # id of the snapshot taken before the host runs the action
    notice: str | None = None  # one line for the human, not the agent (an unresolved ledger break)

    @property
    def enforced(self) -> bool:
        return self.would_be is None

    def summary(self) -> str:
        """One line for a host's permission prompt."""
        if not self.reasons:
            return f"agentguard: {self.verdict}"
        return "agentguard: " + "; ".join(self.reasons)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_type": "decision",
            "verdict": str(self.verdict),
            "mode": self.mode,
            "reasons": list(self.reasons),
            "effects": [e.to_json() for e in self.effects],
            "matched_rules": [m.to_json() for m in self.matches],
        }
        if self.would_be is not None:
            out["would_be"] = str(self.would_be)
        if self.error is not None:
            out["error"] = self.error
        if self.snapshot is not None:
            out["snapshot"] = self.snapshot
        if self.notice is not None:
            out["notice"] = self.notice
        return out
