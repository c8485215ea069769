"""Checkpoints mirrored outside the agent's reach: a directory, a git repository, an HTTP endpoint.

A mirror keeps signed checkpoint notes (C2SP tlog-checkpoint text) so that truncating the local ledger or
putting an older copy back shows up at the next start: the local tree must be consistent with the newest note
the mirrors hold. Mirrors only store and return text; signatures and consistency are the ledger's to check.

The file mirrors (dir, git) refuse a second, different note for a size they already hold: the ledger forked,
and the mirror is where that must stay visible. A note older than the newest held is skipped, not an error:
hook processes run in parallel and may publish out of order; a real rollback is caught by the start-up check
against the newest note. Failures are values (`MirrorFailure`), so the ledger records a failed mirror.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from agentguard.errors import AgentGuardError
from agentguard.ledger import config
from agentguard.ledger.errors import LedgerError

_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
_FILE = re.compile(r"([0-9]{20})\.note")
CHECKPOINTS = "checkpoints"  # folder of one file per tree size, in dir and git mirrors alike
LATEST = "latest"  # pointer file naming the newest checkpoint file, for people and other tools
MAX_NOTE = 1 << 16  # a note is a few hundred bytes; anything far bigger is not one


class MirrorError(LedgerError):
    """A mirror could not store or return a checkpoint; the message names the mirror."""


@dataclass(frozen=True, slots=True)
class MirrorFailure:
    mirror: str  # Mirror.name
    error: str


class MirrorsFailed(MirrorError):
    """Some mirrors could not be read, or disagree: no trustworthy anchor can be named."""

    def __init__(self, failures: Sequence[MirrorFailure]) -> None:
        super().__init__("; ".join(f"{f.mirror}: {f.error}" for f in failures))
        self.failures = tuple(failures)


class Mirror(Protocol):
    name: str  # "dir:/path", "git:/path", "http:https://host/path": what a failure record names

    def publish(self, note: str, size: int) -> None: ...

    def latest(self) -> str | None: ...


def note_size(note: str) -> int:
    """The tree size of a C2SP signed checkpoint note; MirrorError if the text is not one."""
    body, sep, signatures = note.partition("\n\n")
    lines = body.split("\n")
    if not sep or not note.endswith("\n") or len(lines) < 3 or not lines[0]:
        raise MirrorError("not a signed checkpoint note (origin, size, root hash, blank line, signatures)")
    if not _SIZE.fullmatch(lines[1]):
        raise MirrorError(f"checkpoint note: bad tree size line {lines[1][:40]!r}")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError:
        root = b""
    if len(root) != 32:
        raise MirrorError("checkpoint note: the third line is not a base64 SHA-256 root hash")
    sig_lines = signatures.removesuffix("\n").split("\n")
    if not all(line.startswith("\u2014 ") for line in sig_lines):
        raise MirrorError("checkpoint note: signature lines must start with '\u2014 '")
    return int(lines[1])


def _check(note: str, size: int, name: str) -> None:
    if note_size(note) != size:
        raise MirrorError(f"{name}: the note says tree size {note_size(note)}, the caller {size}")


def _admit(name: str, size: int, note: str, held: str | None, newest: int | None) -> bool:
    """Whether `note` must be written: not when held already or superseded; MirrorError on a fork."""
    if held is not None:
        if held == note:
            return False
        raise MirrorError(f"{name}: holds a different checkpoint for tree size {size}: the ledger forked")
    return newest is None or size > newest


def _file_name(size: int) -> str:
    return f"{CHECKPOINTS}/{size:020d}.note"


def _newest(names: Iterable[str]) -> int | None:
    sizes = [int(m.group(1)) for n in names if (m := _FILE.fullmatch(os.path.basename(n)))]
    return max(sizes, default=None)


class DirectoryMirror:
    """`<path>/checkpoints/<size>.note` per checkpoint and a `latest` pointer, each written then renamed."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self.name = f"dir:{self.path}"

    def publish(self, note: str, size: int) -> None:
        _check(note, size, self.name)
        try:
            os.makedirs(os.path.join(self.path, CHECKPOINTS), exist_ok=True)
            with _locked(os.path.join(self.path, ".lock")):
                if not _admit(self.name, size, note, self._read(size), self._newest()):
                    return
                _write_atomic(os.path.join(self.path, _file_name(size)), note)
                _write_atomic(os.path.join(self.path, LATEST), _file_name(size) + "\n")
        except (OSError, ValueError) as exc:  # ValueError: bytes that are not UTF-8
            raise MirrorError(f"{self.name}: {exc}") from None

    def latest(self) -> str | None:
        # The highest file, not the pointer: a crash between the two renames leaves the pointer one behind.
        try:
            size = self._newest()
            note = None if size is None else self._read(size)
        except (OSError, ValueError) as exc:
            raise MirrorError(f"{self.name}: {exc}") from None
        if size is None or note is None:
            return None
        _check(note, size, self.name)
        return note

    def _newest(self) -> int | None:
        folder = os.path.join(self.path, CHECKPOINTS)
        return _newest(os.listdir(folder)) if os.path.isdir(folder) else None

    def _read(self, size: int) -> str | None:
        try:
            with open(os.path.join(self.path, _file_name(size)), encoding="utf-8") as handle:
                return handle.read(MAX_NOTE)
        except FileNotFoundError:
            return None


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """An exclusive advisory lock on `path` (created if missing), held for the block."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_atomic(path: str, text: str) -> None:
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself must survive a power cut
    finally:
        os.close(dir_fd)


class GitMirror:
    """A commit per checkpoint in a local repository (bare or not), made with git's plumbing commands.

    Plumbing builds the commit from a private index, so the user's own staged changes are never swept in, and
    a bare repository works the same way. A missing or empty path is initialised (bare when it ends in .git).
    """

    def __init__(self, repo_path: str, *, git: str = "git", timeout: float = 30.0) -> None:
        self.path = os.path.abspath(repo_path)
        self.name = f"git:{self.path}"
        self._exe = git
        self._timeout = timeout

    def publish(self, note: str, size: int) -> None:
        _check(note, size, self.name)
        git_dir, work_tree = self._open()
        # The lock serialises writers on this host; the compare-and-swap in _commit covers the others (a shared
        # mount without working locks, a person committing by hand): when HEAD moved, look again.
        with _locked(os.path.join(git_dir, "agentguard.lock")):
            for _ in range(10):
                head = self._head(git_dir)
                names = self._names(git_dir) if head else []
                held = self._show(git_dir, _file_name(size)) if _file_name(size) in names else None
                if not _admit(self.name, size, note, held, _newest(names)) or self._commit(git_dir, head, note, size):
                    break
            else:
                raise MirrorError(f"{self.name}: HEAD kept moving under other writers; checkpoint {size} not stored")
            if work_tree is not None:
                # The commit is the mirror; the work tree is a copy for people, refreshed by the next publish.
                with contextlib.suppress(MirrorError):
                    self._run(git_dir, f"--work-tree={work_tree}", "checkout", "HEAD", "--", CHECKPOINTS, LATEST)

    def _commit(self, git_dir: str, head: str, note: str, size: int) -> bool:
        """Commit `note` on top of `head`; False when HEAD moved meanwhile (nothing is lost: try again)."""
        blob = self._run(git_dir, "hash-object", "-w", "--stdin", data=note)
        pointer = self._run(git_dir, "hash-object", "-w", "--stdin", data=_file_name(size) + "\n")
        with tempfile.TemporaryDirectory(prefix="agentguard-git-") as scratch:
            index = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
            self._run(git_dir, "read-tree", *([head] if head else ["--empty"]), env=index)
            for sha, path in ((blob, _file_name(size)), (pointer, LATEST)):
                self._run(git_dir, "update-index", "--add", "--cacheinfo", f"100644,{sha},{path}", env=index)
            tree = self._run(git_dir, "write-tree", env=index)
        message = f"checkpoint {size}\n\n{note.partition(chr(10))[0]} tree size {size}\n"
        commit = self._run(git_dir, "commit-tree", tree, *(["-p", head] if head else []), "-m", message)
        # Compare-and-swap on HEAD's branch: a concurrent writer makes this fail instead of losing a commit.
        try:
            self._run(git_dir, "update-ref", "-m", f"checkpoint {size}", "HEAD", commit, head or "0" * 40)
        except MirrorError:
            if self._head(git_dir) == head:
                raise
            return False
        return True

    def latest(self) -> str | None:
        git_dir, _ = self._open()
        if not self._head(git_dir):
            return None
        size = _newest(self._names(git_dir))
        if size is None:
            return None
        note = self._show(git_dir, _file_name(size))
        _check(note, size, self.name)
        return note

    def _open(self) -> tuple[str, str | None]:
        """(git dir, work tree or None), initialising the repository when the path is missing or empty."""
        found = self._find()
        if found is not None:
            return found
        if not os.path.exists(self.path) or (os.path.isdir(self.path) and not os.listdir(self.path)):
            return self._init()
        found = self._find()  # a parallel writer may have renamed its new repository into place just now
        if found is None:
            raise MirrorError(f"{self.name}: exists but is not the top of a git repository")
        return found

    def _find(self) -> tuple[str, str | None] | None:
        dot_git = os.path.join(self.path, ".git")
        if os.path.exists(dot_git):
            return dot_git, self.path
        if os.path.isfile(os.path.join(self.path, "HEAD")) and os.path.isdir(os.path.join(self.path, "objects")):
            return self.path, None
        return None

    def _init(self) -> tuple[str, str | None]:
        """Build the repository aside, then rename it into place: a parallel writer never sees half of one."""
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            scratch = tempfile.mkdtemp(dir=os.path.dirname(self.path), prefix=".agentguard-init-")
        except OSError as exc:
            raise MirrorError(f"{self.name}: cannot create the repository: {exc}") from None
        try:
            self._run(None, "init", "-q", *(["--bare"] if self.path.endswith(".git") else []), scratch)
            os.rename(scratch, self.path)  # replaces an empty folder; fails if another writer got there first
        except OSError as exc:
            if self._find() is None:
                raise MirrorError(f"{self.name}: cannot create the repository: {exc}") from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        found = self._find()
        if found is None:
            raise MirrorError(f"{self.name}: git init did not leave a repository there")
        return found

    def _head(self, git_dir: str) -> str:
        """HEAD's commit, or "" in a repository with no commit yet."""
        try:
            return self._run(git_dir, "rev-parse", "-q", "--verify", "HEAD^{commit}")
        except MirrorError:
            return ""

    def _names(self, git_dir: str) -> list[str]:
        return self._run(git_dir, "ls-tree", "--name-only", "HEAD", f"{CHECKPOINTS}/").splitlines()

    def _show(self, git_dir: str, path: str) -> str:
        return self._run(git_dir, "cat-file", "blob", f"HEAD:{path}", strip=False)

    def _run(self, git_dir: str | None, *args: str, data: str | None = None, env: Mapping[str, str] | None = None,
             strip: bool = True) -> str:  # fmt: skip
        command = [self._exe, *([f"--git-dir={git_dir}"] if git_dir else []), *args]
        try:
            done = subprocess.run(command, input=data, capture_output=True, text=True, check=False,
                                  env={**_git_env(), **(env or {})}, timeout=self._timeout)  # fmt: skip
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            raise MirrorError(f"{self.name}: git {args[0]}: {exc}") from None
        if done.returncode != 0:
            raise MirrorError(f"{self.name}: git {args[0]} failed: {done.stderr.strip()[:500]}")
        return done.stdout.strip() if strip else done.stdout


def _git_env() -> dict[str, str]:
    # The caller's GIT_DIR / GIT_INDEX_FILE (say, from inside a git hook) must not redirect the mirror.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    ident = {"GIT_AUTHOR_NAME": "agentguard", "GIT_AUTHOR_EMAIL": "agentguard@localhost"}
    ident |= {"GIT_COMMITTER_NAME": "agentguard", "GIT_COMMITTER_EMAIL": "agentguard@localhost"}
    return env | ident | {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


class HttpMirror:
    """POST each note to `url`; GET `url` returns the newest (404 or 204: nothing mirrored yet)."""

    def __init__(self, url: str, headers: Mapping[str, str] | None = None, *, timeout: float = 10.0) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MirrorError(f"http mirror: expected an http:// or https:// URL, got {url!r}")
        self.url = url
        self.name = f"http:{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"
        self._headers = dict(headers or {})
        self._timeout = timeout

    def __repr__(self) -> str:  # the headers carry credentials
        return f"HttpMirror({self.name!r})"

    def publish(self, note: str, size: int) -> None:
        _check(note, size, self.name)
        headers = {**self._headers, "Content-Type": "text/plain; charset=utf-8"}
        status, body = self._request("POST", note.encode("utf-8"), headers)
        if status not in (200, 201, 202, 204):
            raise MirrorError(f"{self.name}: POST answered {status}: {body[:200]!r}")

    def latest(self) -> str | None:
        status, body = self._request("GET", None, {**self._headers, "Accept": "text/plain"})
        if status in (204, 404):
            return None
        if status != 200:
            raise MirrorError(f"{self.name}: GET answered {status}: {body[:200]!r}")
        try:
            note = body.decode("utf-8")
        except UnicodeDecodeError:
            raise MirrorError(f"{self.name}: GET returned bytes that are not UTF-8 text") from None
        note_size(note)
        return note

    def _request(self, method: str, data: bytes | None, headers: Mapping[str, str]) -> tuple[int, bytes]:
        # Imported here: urllib.request costs some 60 ms, kept off the hook's path.
        import urllib.error
        import urllib.request

        request = urllib.request.Request(self.url, data=data, method=method, headers=dict(headers))
        try:
            with _opener().open(request, timeout=self._timeout) as response:
                return int(response.status), response.read(MAX_NOTE)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(MAX_NOTE)
        except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, bad responses
            raise MirrorError(f"{self.name}: {method} failed: {exc}") from None


def _opener() -> Any:
    """An opener that follows no redirect: following one would turn a POST into a GET that "succeeds", and
    carry the Authorization header to whatever host the redirect names. A 3xx is reported as it is."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(NoRedirect)


@dataclass(frozen=True, slots=True)
class PublishReport:
    size: int
    published: tuple[str, ...]  # mirror names
    failed: tuple[MirrorFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failed


def publish_all(mirrors: Sequence[Mirror], note: str, size: int) -> PublishReport:
    """Publish to every mirror; one failing (for any reason) never stops the others."""
    done: list[str] = []
    failed: list[MirrorFailure] = []
    for mirror in mirrors:
        try:
            mirror.publish(note, size)
        except Exception as exc:  # a broken mirror is recorded, never fatal to the rest
            failed.append(_failure(mirror, exc))
        else:
            done.append(mirror.name)
    return PublishReport(size=size, published=tuple(done), failed=tuple(failed))


@dataclass(frozen=True, slots=True)
class Anchor:
    size: int
    note: str
    mirror: str


@dataclass(frozen=True, slots=True)
class AnchorReport:
    anchors: tuple[Anchor, ...]  # one per mirror that holds a note
    failed: tuple[MirrorFailure, ...]  # mirrors that could not be read, and disagreements between mirrors

    @property
    def newest(self) -> Anchor | None:
        return max(self.anchors, key=lambda a: a.size, default=None)


def read_anchors(mirrors: Sequence[Mirror]) -> AnchorReport:
    anchors: list[Anchor] = []
    failed: list[MirrorFailure] = []
    for mirror in mirrors:
        try:
            note = mirror.latest()
            if note is not None:
                anchors.append(Anchor(size=note_size(note), note=note, mirror=mirror.name))
        except Exception as exc:  # an unreadable mirror is recorded by the caller
            failed.append(_failure(mirror, exc))
    bodies: dict[int, Anchor] = {}
    for anchor in anchors:
        # Same size, different signed body (origin, size, root): two histories; extra cosignatures are fine.
        seen = bodies.setdefault(anchor.size, anchor)
        if seen.note.partition("\n\n")[0] != anchor.note.partition("\n\n")[0]:
            failed.append(MirrorFailure(anchor.mirror, f"disagrees with {seen.mirror} on tree size {anchor.size}"))
    return AnchorReport(anchors=tuple(anchors), failed=tuple(failed))


def newest_anchor(mirrors: Sequence[Mirror]) -> tuple[int, str] | None:
    """(size, note) of the highest checkpoint any mirror holds; None when none holds one.

    Raises MirrorsFailed when a mirror cannot be read or two disagree: skipping one silently could hide the
    very rollback the anchor is there to catch. A caller that accepts a degraded check uses read_anchors.
    """
    report = read_anchors(mirrors)
    if report.failed:
        raise MirrorsFailed(report.failed)
    newest = report.newest
    return None if newest is None else (newest.size, newest.note)


def _failure(mirror: Mirror, exc: Exception) -> MirrorFailure:
    name = getattr(mirror, "name", type(mirror).__name__)
    message = exc.message if isinstance(exc, AgentGuardError) else f"{type(exc).__name__}: {exc}"
    return MirrorFailure(mirror=str(name), error=message.removeprefix(f"{name}: "))


def mirror_from_spec(spec: config.MirrorSpec, environ: Mapping[str, str] | None = None) -> Mirror:
    """ConfigError when a `{ env = … }` value is not set (or a URL taken from the environment is not http)."""
    if spec.type == "dir":
        return DirectoryMirror(spec.path)
    if spec.type == "git":
        return GitMirror(spec.path)
    url = config.resolve(spec.url, f"{spec.where}.url", environ)
    headers = {k: config.resolve(v, f"{spec.where}.headers.{k}", environ) for k, v in spec.headers}
    try:
        return HttpMirror(url, headers, timeout=spec.timeout)
    except MirrorError as exc:
        raise config.ConfigError(f"{spec.where}.url: {exc.message}") from None


def mirrors_from_specs(specs: Iterable[config.MirrorSpec], environ: Mapping[str, str] | None = None) -> list[Mirror]:
    """Every mirror, or ConfigError for the first that cannot be built."""
    return [mirror_from_spec(spec, environ) for spec in specs]


def build_mirrors(
    specs: Iterable[config.MirrorSpec], environ: Mapping[str, str] | None = None
) -> tuple[list[Mirror], tuple[MirrorFailure, ...]]:
    """The mirrors that can be built and a failure (named by its config key) for each that cannot: a hook
    started without MIRROR_TOKEN still mirrors to the directory, and the ledger records the missing one."""
    mirrors: list[Mirror] = []
    failed: list[MirrorFailure] = []
    for spec in specs:
        try:
            mirrors.append(mirror_from_spec(spec, environ))
        except config.ConfigError as exc:
            failed.append(MirrorFailure(mirror=spec.where, error=exc.message.removeprefix(spec.where).lstrip(".")))
    return mirrors, tuple(failed)


def mirrors_from_config(table: Mapping[str, Any], *, source: str = "<config>",
                        environ: Mapping[str, str] | None = None) -> list[Mirror]:  # fmt: skip
    """Mirrors from a `[ledger]` table (its `[[ledger.mirror]]` entries); ConfigError names what is wrong."""
    return mirrors_from_specs(config.parse_ledger(table, source).mirrors, environ)
