"""The merged, example-checked policy, remembered between hook processes.

The hook is a new process per tool call, and reading the layered TOML (tomllib, the merge, the digest) cost
~10 ms of it. So once a policy has loaded and its examples passed, it is written to the state dir as JSON,
keyed by everything it was built from: the built-in policy's text, each layer file's identity (path, inode,
mtime, ctime, size — ctime changes on any write or chmod and cannot be set back), the glob placeholders, and
agentguard's own policy code. Any change gives a new key, so an edit applies on the next call.

Trust: the cache lives in the state dir, which the policy protects like the config. Reading it never fails
open — a missing, stale, truncated, corrupt or odd-looking cache is ignored and the policy is loaded in full,
whose errors deny as before. A file written in the last two seconds is not cached (its mtime may not yet tell
two quick edits apart), so a just-edited policy is loaded in full until it settles.
"""

from __future__ import annotations

import binascii  # its crc32 is zlib's, and the hook has binascii loaded already (base64)
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from agentguard import __version__
from agentguard.models import Verdict
from agentguard.policy.model import Policy, Rule
from agentguard.state import Places

FORMAT = 1
RACY_NS = 2_000_000_000  # files changed this recently are not cached
HERE = os.path.dirname(os.path.abspath(__file__))
BUILT_IN = os.path.join(HERE, "default.toml")
# The code that turns policy files into a Policy: a change to any of it must not reuse an old result.
CODE = (
    *(
        os.path.join(HERE, name)
        for name in ("loader.py", "model.py", "globs.py", "examples.py", "cache.py", "ship_settings.py")
    ),
    os.path.join(os.path.dirname(HERE), "models.py"),  # Verdict's numbers are what the cache stores
)

_memo: dict[str, Policy] = {}  # in-process: a Gate deciding many actions (CLI batch, benchmark) stats, no read


def cached_policy(project_root: str, places: Places, load: Callable[[], Policy]) -> Policy:
    """The policy for `project_root`: from memory or the cache file when its key still holds, else `load()`."""
    key, settled = cache_key(project_root, places)
    policy = _memo.get(key)
    if policy is not None:
        return policy
    path = cache_path(places, project_root)
    policy = read_cache(path, key)  # safe even while unsettled: a file is only ever written for settled keys
    if policy is None:
        policy = load()
        if not settled:
            return policy  # a file this fresh may change again within its timestamp's granularity
        write_cache(path, key, policy)
    _memo.clear()  # one project per process in practice; keep memory flat for long-lived callers
    _memo[key] = policy
    return policy


def cache_key(project_root: str, places: Places) -> tuple[str, bool]:
    """(key, settled): what the policy is built from; settled is False while a file is too fresh to trust."""
    now = time.time_ns()
    parts: list[object] = [FORMAT, __version__, project_root, sorted(places.glob_places(project_root).items())]
    settled = True
    for path in (BUILT_IN, *CODE, *layer_candidates(project_root, places)):
        identity = _identity(path)
        parts.append([path, identity])
        if identity is not None and now - max(identity[2], identity[3]) < RACY_NS:
            settled = False
    parts.append(_built_in_crc())
    return json.dumps(parts, separators=(",", ":")), settled


def layer_candidates(project_root: str, places: Places) -> tuple[str, ...]:
    """Every file the loader may read, present or not (a new file must change the key too)."""
    return (
        os.path.join(places.config, "agentguard.toml"),
        os.path.join(project_root, "agentguard.toml"),
        os.path.join(project_root, "pyproject.toml"),
    )


def cache_path(places: Places, project_root: str) -> str:
    name = f"{binascii.crc32(project_root.encode('utf-8', 'surrogatepass')):08x}.json"
    return os.path.join(places.state, "policy-cache", name)


def _identity(path: str) -> tuple[int, int, int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_mode)


_crc_memo: dict[tuple[int, int, int], int] = {}


def _built_in_crc() -> int:
    """The built-in policy's text, by checksum: its stat alone may survive a reinstall of the same size."""
    identity = _identity(BUILT_IN)
    stamp = (identity[1], identity[2], identity[4]) if identity else (0, 0, 0)
    if stamp not in _crc_memo:
        with open(BUILT_IN, "rb") as handle:
            _crc_memo[stamp] = binascii.crc32(handle.read())
    return _crc_memo[stamp]


def read_cache(path: str, key: str) -> Policy | None:
    """The cached policy if the file is whole, for this key, and well-formed; None otherwise (never raises)."""
    try:
        with open(path, encoding="utf-8") as handle:
            header_line, body = handle.read().split("\n", 1)
        header = json.loads(header_line)
        if header.get("format") != FORMAT or header.get("key") != key:
            return None
        if header.get("crc") != binascii.crc32(body.encode("utf-8")):
            return None
        return decode_policy(json.loads(body))
    except Exception:  # a cache problem is never a decision: load the policy in full
        return None


def write_cache(path: str, key: str, policy: Policy) -> None:
    """Write-then-rename, so a reader sees the old file or the new one, never half of one."""
    body = json.dumps(encode_policy(policy), separators=(",", ":"))
    header = json.dumps({"format": FORMAT, "key": key, "crc": binascii.crc32(body.encode("utf-8"))})
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(header + "\n" + body)
        os.replace(tmp, path)
    except OSError:  # cannot cache: the policy simply loads in full next time
        from contextlib import suppress

        with suppress(OSError):
            os.unlink(tmp)


def _strs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("expected a whole number")
    return value


def _verdict(value: Any) -> Verdict:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("expected a verdict")
    return Verdict(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"not a boolean: {value!r}")
    return value


def _opt_bool(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError("expected true, false or null")
    return value


def _context(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, list):
        raise ValueError("expected a list of [key, patterns]")
    return tuple((_str(k), _strs(v)) for k, v in value)


RULE_FIELDS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("id", _str), ("verdict", _verdict), ("reason", _str), ("kinds", _strs), ("not_kinds", _strs),
    ("paths", _strs), ("not_paths", _strs), ("scratch_paths", _strs), ("project_paths", _strs),
    ("targets", _strs), ("not_targets", _strs), ("context", _context), ("not_context", _context),
    ("recursive", _opt_bool), ("holds", _strs), ("production", _verdict), ("match", _strs), ("not_match", _strs),
    ("origin", _str),
)  # fmt: skip
# If Rule gains a field this table does not know, the cache is never used rather than dropping the field.
SCHEMA_OK = Rule._fields == tuple(name for name, _ in RULE_FIELDS)


def encode_policy(policy: Policy) -> dict[str, Any]:
    return {
        "rules": [[_plain(getattr(rule, name)) for name, _ in RULE_FIELDS] for rule in policy.rules],
        "defaults": {k: int(v) for k, v in policy.defaults.items()},
        "unknown": int(policy.unknown),
        "plan_files": list(policy.plan_files),
        "protected_branches": list(policy.protected_branches),
        "production": {k: list(v) for k, v in policy.production.items()},
        "sources": list(policy.sources),
        "digest": policy.digest,
        "warnings": list(policy.warnings),
        "snapshot_paths": list(policy.snapshot_paths),
        "snapshot_max_bytes": policy.snapshot_max_bytes,
        "snapshot_skip": list(policy.snapshot_skip),
        "snapshot_postgres": list(policy.snapshot_postgres),
        "estimate_postgres": list(policy.estimate_postgres),
        "project_root": policy.project_root,
        "receipt_checks": list(policy.receipt_checks),
        "receipt_timeout": policy.receipt_timeout,
        "receipt_max_blocks": policy.receipt_max_blocks,
        "review_max_lines": policy.review_max_lines,
        "review_protected": list(policy.review_protected),
        "review_deploy": list(policy.review_deploy),
        "review_trust_upstream": policy.review_trust_upstream,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return int(value) if isinstance(value, Verdict) else value


def decode_policy(data: Mapping[str, Any]) -> Policy:
    """A Policy from `encode_policy`'s output, checking every type: anything off raises (and is not used)."""
    if not SCHEMA_OK:
        raise ValueError("the cache does not know every rule field")
    rules = []
    for row in data["rules"]:
        if not isinstance(row, list) or len(row) != len(RULE_FIELDS):
            raise ValueError("malformed rule")
        rules.append(Rule(**{name: parse(value) for (name, parse), value in zip(RULE_FIELDS, row, strict=True)}))
    unknown = _verdict(data["unknown"])
    if unknown == Verdict.ALLOW:
        raise ValueError("settings.unknown may not be allow")
    return Policy(
        rules=tuple(rules),
        defaults={_str(k): _verdict(v) for k, v in data["defaults"].items()},
        unknown=unknown,
        plan_files=_strs(data["plan_files"]),
        protected_branches=_strs(data["protected_branches"]),
        production={_str(k): _strs(v) for k, v in data["production"].items()},
        sources=_strs(data["sources"]),
        digest=_str(data["digest"]),
        warnings=_strs(data["warnings"]),
        snapshot_paths=_strs(data["snapshot_paths"]),
        snapshot_max_bytes=_int(data["snapshot_max_bytes"]),
        snapshot_skip=_strs(data["snapshot_skip"]),
        snapshot_postgres=_strs(data["snapshot_postgres"]),
        estimate_postgres=_strs(data["estimate_postgres"]),
        project_root=_str(data["project_root"]),
        receipt_checks=_strs(data["receipt_checks"]),
        receipt_timeout=_int(data["receipt_timeout"]),
        receipt_max_blocks=_int(data["receipt_max_blocks"]),
        review_max_lines=_int(data["review_max_lines"]),
        review_protected=_strs(data["review_protected"]),
        review_deploy=_strs(data["review_deploy"]),
        review_trust_upstream=_flag(data["review_trust_upstream"]),
    )
