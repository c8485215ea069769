"""Checkpoint mirrors on real parts: a directory, git repositories (bare and not), a loopback HTTP server."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nacl.signing
import pytest
from webhook import Receiver

from agentguard.errors import PolicyError
from agentguard.ledger import config
from agentguard.ledger.mirror import (
    DirectoryMirror,
    GitMirror,
    HttpMirror,
    Mirror,
    MirrorError,
    MirrorsFailed,
    build_mirrors,
    mirrors_from_config,
    mirrors_from_specs,
    newest_anchor,
    note_size,
    publish_all,
    read_anchors,
)
from agentguard.policy.loader import load_policy
from agentguard.state import Places

KEY = nacl.signing.SigningKey(b"\x07" * 32)


def make_note(size: int, origin: str = "agentguard.test/ledger", root_seed: str = "") -> str:
    """A real C2SP signed checkpoint: origin, size, base64 root, blank line, an Ed25519 signature line."""
    root = hashlib.sha256(f"{root_seed}{size}".encode()).digest()
    text = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
    key_hash = hashlib.sha256(b"agentguard\n\x01" + bytes(KEY.verify_key)).digest()[:4]
    sig = KEY.sign(text.encode()).signature
    return f"{text}\n\u2014 agentguard {base64.b64encode(key_hash + sig).decode()}\n"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy configured on the machine must not see (or swallow) requests to the test server.
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as hook:
        yield hook


def git(repo: Path, *args: str) -> str:
    ident = {f"GIT_{who}_{what}": "tester" for who in ("AUTHOR", "COMMITTER") for what in ("NAME", "EMAIL")}
    command = ["git", "-C", str(repo), *args]
    return subprocess.run(command, capture_output=True, text=True, check=True, env={**os.environ, **ident}).stdout


MirrorFactory = Callable[[Path, Receiver], Mirror]
KINDS = [
    pytest.param(lambda tmp, hook: DirectoryMirror(str(tmp / "backup")), id="dir"),
    pytest.param(lambda tmp, hook: GitMirror(str(tmp / "mirror")), id="git-worktree"),
    pytest.param(lambda tmp, hook: GitMirror(str(tmp / "mirror.git")), id="git-bare"),
    pytest.param(lambda tmp, hook: HttpMirror(hook.url + "/checkpoints"), id="http"),
]
FILE_KINDS = KINDS[:3]


@pytest.mark.parametrize("factory", KINDS)
def test_round_trip(factory: MirrorFactory, tmp_path: Path, receiver: Receiver) -> None:
    mirror = factory(tmp_path, receiver)
    assert mirror.latest() is None
    mirror.publish(make_note(1), 1)
    assert mirror.latest() == make_note(1)
    mirror.publish(make_note(5), 5)
    mirror.publish(make_note(5), 5)  # a retry of the same checkpoint is not an error
    assert mirror.latest() == make_note(5)


@pytest.mark.parametrize("factory", FILE_KINDS)
def test_file_mirrors_refuse_a_fork_and_skip_what_is_superseded(
    factory: MirrorFactory, tmp_path: Path, receiver: Receiver
) -> None:
    mirror = factory(tmp_path, receiver)
    mirror.publish(make_note(5), 5)
    with pytest.raises(MirrorError, match="different checkpoint for tree size 5: the ledger forked"):
        mirror.publish(make_note(5, root_seed="forked"), 5)
    mirror.publish(make_note(3), 3)  # a slower parallel writer: nothing to store, nothing wrong
    assert mirror.latest() == make_note(5)
    assert stored_files(mirror) == [f"checkpoints/{5:020d}.note", "latest"]


def stored_files(mirror: Mirror) -> list[str]:
    """What a file mirror holds: the files of HEAD's tree for git, the folder's files for a directory."""
    if isinstance(mirror, GitMirror):
        return git(Path(mirror.path), "ls-tree", "-r", "--name-only", "HEAD").split()
    assert isinstance(mirror, DirectoryMirror)
    root = Path(mirror.path)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


@pytest.mark.parametrize("factory", KINDS)
def test_publish_checks_the_note(factory: MirrorFactory, tmp_path: Path, receiver: Receiver) -> None:
    mirror = factory(tmp_path, receiver)
    with pytest.raises(MirrorError, match="says tree size 4, the caller 5"):
        mirror.publish(make_note(4), 5)
    with pytest.raises(MirrorError, match="not a signed checkpoint"):
        mirror.publish("hello\n", 1)
    assert mirror.latest() is None
    assert receiver.posts() == []


def test_directory_layout(tmp_path: Path) -> None:
    mirror = DirectoryMirror(str(tmp_path / "backup"))
    for size in (2, 10):
        mirror.publish(make_note(size), size)
    folder = tmp_path / "backup"
    assert sorted(os.listdir(folder / "checkpoints")) == [f"{2:020d}.note", f"{10:020d}.note"]
    assert (folder / "checkpoints" / f"{10:020d}.note").read_text() == make_note(10)
    assert (folder / "latest").read_text() == f"checkpoints/{10:020d}.note\n"
    assert not [n for n in os.listdir(folder) if n.startswith(".tmp")]


def test_directory_latest_survives_a_crash_between_the_renames(tmp_path: Path) -> None:
    mirror = DirectoryMirror(str(tmp_path))
    mirror.publish(make_note(2), 2)
    # As if the process died after writing the checkpoint file but before moving the pointer.
    (tmp_path / "checkpoints" / f"{9:020d}.note").write_text(make_note(9))
    assert mirror.latest() == make_note(9)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        pytest.param(b"scribbled over\n", "not a signed checkpoint", id="text"),
        pytest.param(b"\xff\xfe\x00garbage", "codec can't decode", id="not-utf8"),
    ],
)
def test_file_mirrors_reject_a_corrupted_checkpoint(tmp_path: Path, content: bytes, error: str) -> None:
    directory, repo = DirectoryMirror(str(tmp_path / "dir")), GitMirror(str(tmp_path / "git"))
    for mirror in (directory, repo):
        mirror.publish(make_note(2), 2)
    (tmp_path / "dir" / "checkpoints" / f"{2:020d}.note").write_bytes(content)
    (tmp_path / "git" / "checkpoints" / f"{2:020d}.note").write_bytes(content)
    git(tmp_path / "git", "commit", "-qam", "tampered")
    for mirror in (directory, repo):
        with pytest.raises(MirrorError, match=error):
            mirror.latest()


@pytest.mark.parametrize("name", ["mirror", "mirror.git"])
def test_git_one_commit_per_checkpoint(tmp_path: Path, name: str) -> None:
    repo = tmp_path / name
    mirror = GitMirror(str(repo))
    for size in (1, 4, 9):
        mirror.publish(make_note(size), size)
    mirror.publish(make_note(9), 9)  # already there: no empty commit
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "3"
    assert git(repo, "log", "--format=%s").split() == ["checkpoint", "9", "checkpoint", "4", "checkpoint", "1"]
    assert git(repo, "show", f"HEAD~1:checkpoints/{4:020d}.note") == make_note(4)
    assert git(repo, "show", "HEAD:latest") == f"checkpoints/{9:020d}.note\n"
    assert git(repo, "rev-parse", "--is-bare-repository").strip() == str(name.endswith(".git")).lower()


def test_git_worktree_stays_clean_and_user_changes_are_not_swept_in(tmp_path: Path) -> None:
    repo = tmp_path / "mirror"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README").write_text("admin notes\n")
    git(repo, "add", "README")  # staged by the admin, not ours to commit
    mirror = GitMirror(str(repo))
    mirror.publish(make_note(3), 3)
    assert git(repo, "ls-tree", "-r", "--name-only", "HEAD").split() == [f"checkpoints/{3:020d}.note", "latest"]
    assert (repo / "checkpoints" / f"{3:020d}.note").read_text() == make_note(3)
    assert git(repo, "status", "--porcelain").splitlines() == ["A  README"]


def test_git_ignores_the_callers_git_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "stray-index"))
    GitMirror(str(tmp_path / "mirror")).publish(make_note(1), 1)
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert git(tmp_path / "mirror", "rev-list", "--count", "HEAD").strip() == "1"
    assert subprocess.run(["git", "-C", str(other), "rev-parse", "-q", "--verify", "HEAD"]).returncode != 0


@pytest.mark.parametrize("factory", FILE_KINDS)
def test_parallel_writers_lose_nothing_and_end_on_the_newest(
    factory: MirrorFactory, tmp_path: Path, receiver: Receiver
) -> None:
    """Hook processes publish in parallel and out of order; each call succeeds and the newest note wins."""
    sizes = [3, 9, 1, 12, 7, 12, 5, 10]
    mirrors = [factory(tmp_path, receiver) for _ in sizes]  # one object per writer, as separate processes have
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(
            pool.map(lambda pair: publish_all([pair[0]], make_note(pair[1]), pair[1]), zip(mirrors, sizes, strict=True))
        )
    assert [r.failed for r in reports] == [()] * len(sizes)
    assert mirrors[0].latest() == make_note(12)
    if isinstance(mirrors[0], GitMirror):
        log = git(Path(mirrors[0].path), "log", "--format=%s").splitlines()
        assert log[0] == "checkpoint 12" and len(log) == len(set(log))  # no checkpoint committed twice


def test_git_refuses_a_folder_that_is_not_a_repository_top(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    subprocess.run(["git", "init", "-q", str(outer)], check=True)
    (outer / "sub").mkdir()
    (outer / "sub" / "file").write_text("x")
    with pytest.raises(MirrorError, match="not the top of a git repository"):
        GitMirror(str(outer / "sub")).publish(make_note(1), 1)
    assert subprocess.run(["git", "-C", str(outer), "rev-parse", "-q", "--verify", "HEAD"]).returncode != 0


def test_git_latest_sees_commits_made_elsewhere(tmp_path: Path) -> None:
    bare = tmp_path / "mirror.git"
    GitMirror(str(bare)).publish(make_note(2), 2)
    # A second writer (another host pushing to the same bare repository) moves it on.
    GitMirror(str(bare)).publish(make_note(6), 6)
    assert GitMirror(str(bare)).latest() == make_note(6)


def test_http_sends_headers_and_reports_refusals(receiver: Receiver) -> None:
    receiver.require = {"Authorization": "Bearer s3cret"}
    good = HttpMirror(receiver.url + "/cp", {"Authorization": "Bearer s3cret"})
    good.publish(make_note(4), 4)
    [post] = receiver.posts()
    assert post.text() == make_note(4)
    assert post.headers["content-type"] == "text/plain; charset=utf-8"
    assert good.latest() == make_note(4)
    with pytest.raises(MirrorError, match="POST answered 401"):
        HttpMirror(receiver.url + "/cp").publish(make_note(5), 5)
    assert "s3cret" not in repr(good)


@pytest.mark.parametrize(
    ("status", "stored", "error"),
    [
        pytest.param(500, None, "GET answered 500", id="server-error"),
        pytest.param(200, b"<html>not a note</html>", "not a signed checkpoint", id="garbage"),
        pytest.param(200, b"\xff\xfe", "not UTF-8", id="binary"),
    ],
)
def test_http_latest_failures(receiver: Receiver, status: int, stored: bytes | None, error: str) -> None:
    receiver.status = status
    if stored is not None:
        receiver.stored["/cp"] = stored
    with pytest.raises(MirrorError, match=error):
        HttpMirror(receiver.url + "/cp").latest()


def test_http_follows_no_redirect(receiver: Receiver) -> None:
    receiver.stored["/elsewhere"] = make_note(9).encode()
    receiver.status, receiver.location = 302, "/elsewhere"
    mirror = HttpMirror(receiver.url + "/cp", {"Authorization": "Bearer s3cret"})
    # Followed, the POST would come back as a GET of the stored note, and the token would travel along.
    with pytest.raises(MirrorError, match="POST answered 302"):
        mirror.publish(make_note(1), 1)
    with pytest.raises(MirrorError, match="GET answered 302"):
        mirror.latest()
    assert [r.path for r in receiver.requests] == ["/cp", "/cp"]


def test_http_unreachable_is_a_mirror_error() -> None:
    with Receiver() as hook:
        url = hook.url  # the port is closed once the receiver stops
    with pytest.raises(MirrorError, match="POST failed"):
        HttpMirror(url + "/cp", timeout=2).publish(make_note(1), 1)


@pytest.mark.parametrize(
    ("note", "size"),
    [
        pytest.param(make_note(0), 0, id="empty-tree"),
        pytest.param(make_note(123456789), 123456789, id="big"),
        pytest.param(make_note(3) + "\u2014 witness AAAA\n", 3, id="cosigned"),
    ],
)
def test_note_size_reads_valid_notes(note: str, size: int) -> None:
    assert note_size(note) == size


@pytest.mark.parametrize(
    "note",
    [
        pytest.param(make_note(3).replace("\n3\n", "\n03\n"), id="leading-zero"),
        pytest.param(make_note(3).replace("\n3\n", "\n-3\n"), id="negative"),
        pytest.param(make_note(3).rstrip("\n"), id="no-final-newline"),
        pytest.param(make_note(3).partition("\n\n")[0] + "\n", id="unsigned"),
        pytest.param("o\n3\nnot-base64!\n\n\u2014 k AAAA\n", id="bad-root"),
        pytest.param("o\n3\n" + base64.b64encode(b"x" * 31).decode() + "\n\n\u2014 k AAAA\n", id="short-root"),
        pytest.param(make_note(3).replace("\u2014 ", "- "), id="not-a-signature-line"),
        pytest.param("", id="empty"),
    ],
)
def test_note_size_rejects_what_is_not_a_checkpoint(note: str) -> None:
    with pytest.raises(MirrorError):
        note_size(note)


def test_a_failing_mirror_does_not_stop_the_others(tmp_path: Path, receiver: Receiver) -> None:
    (tmp_path / "a-file").write_text("in the way")
    receiver.status = 503
    mirrors: list[Mirror] = [
        DirectoryMirror(str(tmp_path / "a-file")),  # cannot create checkpoints/ under a file
        DirectoryMirror(str(tmp_path / "backup")),
        HttpMirror(receiver.url + "/cp"),
        GitMirror(str(tmp_path / "mirror.git")),
    ]
    report = publish_all(mirrors, make_note(7), 7)
    assert report.published == (mirrors[1].name, mirrors[3].name)
    assert [f.mirror for f in report.failed] == [mirrors[0].name, mirrors[2].name]
    assert "503" in report.failed[1].error
    assert not report.ok
    assert DirectoryMirror(str(tmp_path / "backup")).latest() == make_note(7)
    assert GitMirror(str(tmp_path / "mirror.git")).latest() == make_note(7)


def test_newest_anchor_picks_the_highest_size(tmp_path: Path, receiver: Receiver) -> None:
    mirrors: list[Mirror] = [DirectoryMirror(str(tmp_path / n)) for n in ("a", "b", "c")]
    mirrors.append(HttpMirror(receiver.url + "/cp"))
    assert newest_anchor(mirrors) is None
    for mirror, size in zip(mirrors, (3, 11, 5, 8), strict=True):
        mirror.publish(make_note(size), size)
    assert newest_anchor(mirrors) == (11, make_note(11))


def test_newest_anchor_fails_closed_and_read_anchors_says_why(tmp_path: Path, receiver: Receiver) -> None:
    good = DirectoryMirror(str(tmp_path / "a"))
    good.publish(make_note(4), 4)
    receiver.status = 500
    mirrors: list[Mirror] = [good, HttpMirror(receiver.url + "/cp")]
    with pytest.raises(MirrorsFailed) as caught:
        newest_anchor(mirrors)
    assert [f.mirror for f in caught.value.failures] == [mirrors[1].name]
    report = read_anchors(mirrors)
    assert report.newest is not None and report.newest.size == 4
    assert "GET answered 500" in report.failed[0].error


def test_mirrors_that_disagree_on_a_size_are_a_failure(tmp_path: Path) -> None:
    a, b = DirectoryMirror(str(tmp_path / "a")), DirectoryMirror(str(tmp_path / "b"))
    a.publish(make_note(6), 6)
    b.publish(make_note(6, root_seed="other history"), 6)
    with pytest.raises(MirrorsFailed, match=r"disagrees with dir:.* on tree size 6"):
        newest_anchor([a, b])
    # The same checkpoint with an extra cosignature is agreement, not a fork.
    c = DirectoryMirror(str(tmp_path / "c"))
    c.publish(make_note(6) + "\u2014 witness AAAA\n", 6)
    assert newest_anchor([a, c]) == (6, make_note(6))


def test_mirrors_from_config_builds_each_type_and_resolves_env_refs(tmp_path: Path, receiver: Receiver) -> None:
    receiver.require = {"Authorization": "Bearer from-env"}
    table = {
        "mirror": [
            {"type": "dir", "path": str(tmp_path / "backup")},
            {"type": "git", "path": str(tmp_path / "mirror.git")},
            {"type": "http", "url": receiver.url + "/cp", "headers": {"Authorization": {"env": "MIRROR_TOKEN"}}},
        ]
    }
    mirrors = mirrors_from_config(table, environ={"MIRROR_TOKEN": "Bearer from-env"})
    assert [type(m) for m in mirrors] == [DirectoryMirror, GitMirror, HttpMirror]
    assert publish_all(mirrors, make_note(2), 2).ok
    assert receiver.posts()[0].headers["authorization"] == "Bearer from-env"


def test_a_missing_env_var_says_what_to_do(receiver: Receiver) -> None:
    table = {"mirror": [{"type": "http", "url": receiver.url, "headers": {"Authorization": {"env": "MIRROR_TOKEN"}}}]}
    with pytest.raises(config.ConfigError, match=r"ledger\.mirror\[0\]\.headers\.Authorization: .*MIRROR_TOKEN "
                       r"is not set.*Export it"):  # fmt: skip
        mirrors_from_config(table, environ={})


def test_build_mirrors_keeps_the_mirrors_it_can_build(tmp_path: Path, receiver: Receiver) -> None:
    specs = config.parse_ledger(
        {
            "mirror": [
                {"type": "http", "url": {"env": "MIRROR_URL"}},
                {"type": "dir", "path": str(tmp_path / "backup")},
                {"type": "http", "url": receiver.url, "headers": {"Authorization": {"env": "MIRROR_TOKEN"}}},
            ]
        },
        "user.toml",
    ).mirrors
    mirrors, failed = build_mirrors(specs, environ={"MIRROR_URL": "ftp://not-http/"})
    assert [m.name for m in mirrors] == [f"dir:{tmp_path / 'backup'}"]
    assert [f.mirror for f in failed] == ["user.toml: ledger.mirror[0]", "user.toml: ledger.mirror[2]"]
    assert failed[0].error.startswith("url: http mirror: expected an http:// or https:// URL")
    assert failed[1].error.startswith("headers.Authorization: the environment variable MIRROR_TOKEN is not set")
    with pytest.raises(config.ConfigError, match=r"user\.toml: ledger\.mirror\[0\]\.url: http mirror: expected"):
        mirrors_from_specs(specs, environ={"MIRROR_URL": "ftp://not-http/", "MIRROR_TOKEN": "t"})


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        pytest.param({"type": "s3", "path": "/x"}, r"mirror\[0\]\.type: expected one of dir, git, http", id="type"),
        pytest.param({"type": "dir"}, r"mirror\[0\]\.path: a dir mirror needs path", id="no-path"),
        pytest.param({"type": "git", "path": "backups/x"}, r"mirror\[0\]\.path: must be absolute", id="relative"),
        pytest.param({"type": "dir", "path": "/x", "url": "u"}, r"mirror\[0\]\.url: unknown key", id="extra-key"),
        pytest.param(
            {"type": "http", "url": "http://h/x", "headers": {"Authorization": "Bearer inline"}},
            r"headers\.Authorization: Authorization carries a credential; write Authorization = \{ env",
            id="inline-secret",
        ),
        pytest.param({"type": "http", "url": "ftp://h/x"}, r"url: expected an http", id="scheme"),
        pytest.param({"type": "http", "url": "https://u:pw@h/x"}, r"url: the URL has a password", id="password"),
        pytest.param({"type": "http", "url": {"env": "1BAD"}}, r"url: a reference must be", id="bad-ref"),
        pytest.param({"type": "http", "url": {"file": "/x"}}, r"url: a reference must be", id="not-env"),
        pytest.param({"type": "http", "url": "http://h", "timeout_seconds": 0}, r"timeout_seconds: must be", id="t"),
    ],
)
def test_mirror_config_errors_name_the_key(entry: dict[str, object], error: str) -> None:
    with pytest.raises(config.ConfigError, match=error):
        mirrors_from_config({"mirror": [entry]}, environ={})


def test_plain_headers_may_be_inline() -> None:
    settings = config.parse_ledger({"mirror": [{"type": "http", "url": "https://h/x", "headers": {"X-Host": "a"}}]})
    assert settings.mirrors[0].headers == (("X-Host", "a"),)


def write_user_config(text: str) -> str:
    places = Places.from_env()
    os.makedirs(places.config, exist_ok=True)
    Path(places.config, "agentguard.toml").write_text(text)
    return places.config


def test_settings_default_when_there_is_no_user_file() -> None:
    settings = config.user_settings()
    assert settings == config.Settings()
    assert settings.ledger.mirrors == () and settings.alerts.urls == ()
    assert settings.ledger.break_timeout.total_seconds() == 72 * 3600


def test_settings_from_the_user_file(tmp_path: Path) -> None:
    folder = write_user_config(
        f"""
[ledger]
break_timeout_hours = 24

[[ledger.mirror]]
type = "dir"
path = "{tmp_path / "backup"}"

[[ledger.mirror]]
type = "http"
url = "https://mirror.example/cp"
headers = {{ Authorization = {{ env = "MIRROR_TOKEN" }} }}

[alerts]
urls = ["json://127.0.0.1:9/x", {{ env = "SLACK_URL" }}]
renotify_hours = 6
first_after_minutes = 5
dashboard = "https://admin.example/breaks"
"""
    )
    settings = config.user_settings(Places.from_env())
    assert settings == config.load_settings(folder)
    assert settings.source == os.path.join(folder, "agentguard.toml")
    dir_spec, http_spec = settings.ledger.mirrors
    assert (dir_spec.type, dir_spec.path) == ("dir", str(tmp_path / "backup"))
    assert http_spec.headers == (("Authorization", config.EnvRef("MIRROR_TOKEN")),)
    assert settings.ledger.break_timeout.total_seconds() == 24 * 3600
    assert settings.alerts.urls == ("json://127.0.0.1:9/x", config.EnvRef("SLACK_URL"))
    assert (settings.alerts.every.total_seconds(), settings.alerts.first.total_seconds()) == (6 * 3600, 300)
    assert settings.alerts.dashboard == "https://admin.example/breaks"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param("[ledger\n", r"agentguard\.toml: cannot read the config", id="toml"),
        pytest.param("[ledger]\nmirrors = []\n", r"agentguard\.toml: ledger\.mirrors: unknown key", id="key"),
        pytest.param("ledger = 3\n", r"agentguard\.toml: ledger must be a table", id="not-table"),
        pytest.param("[ledger]\nbreak_timeout_hours = true\n", r"ledger\.break_timeout_hours: must be", id="bool"),
        pytest.param("[[ledger.mirror]]\npath = '/x'\n", r"ledger\.mirror\[0\]\.type", id="no-type"),
    ],
)
def test_an_invalid_user_file_names_file_and_key(text: str, error: str) -> None:
    with pytest.raises(config.ConfigError, match=error):
        config.load_settings(write_user_config(text))


def test_policy_loader_accepts_ledger_sections_in_the_user_file_only(tmp_path: Path) -> None:
    places = Places.from_env()
    write_user_config('[ledger]\n[[ledger.mirror]]\ntype = "dir"\npath = "/backup"\n[alerts]\nurls = []\n')
    project = tmp_path / "project"
    project.mkdir()
    policy = load_policy(str(project), places=places.glob_places(str(project)), config_dir=places.config)
    assert any(source.endswith("agentguard.toml") for source in policy.sources)
    (project / "agentguard.toml").write_text('[alerts]\nurls = ["json://attacker.example/"]\n')
    with pytest.raises(PolicyError, match=r"agentguard\.toml:1: \[alerts\] belongs in your user config"):
        load_policy(str(project), places=places.glob_places(str(project)), config_dir=places.config)
