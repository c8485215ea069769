"""Ed25519 key files and C2SP signed-note checkpoints, against the published Go sumdb/note example."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentguard.ledger.errors import LedgerError
from agentguard.ledger.keys import KeyPair, load_key, load_or_create, replace_key
from agentguard.ledger.note import (
    Checkpoint,
    key_hash,
    open_checkpoint,
    parse_note,
    parse_verifier_key,
    sign_note,
    verifier_key,
)

# golang.org/x/mod/sumdb/note, note_test.go / example_test.go (BSD-3-Clause).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# The example of the C2SP signed-note specification.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def go_pair() -> KeyPair:
    return KeyPair.from_seed(base64.b64decode(GO_SKEY.split("+", 4)[4])[1:])


def test_go_signing_reproduces_the_published_note() -> None:
    pair = go_pair()
    assert verifier_key("PeterNeumann", pair.public.raw) == GO_VKEY
    assert sign_note(GO_TEXT, "PeterNeumann", pair) == GO_NOTE  # Ed25519 is deterministic


@pytest.mark.parametrize(("vkey", "note"), [(GO_VKEY, GO_NOTE), (SPEC_VKEY, SPEC_NOTE)], ids=["go", "c2sp-spec"])
def test_published_notes_verify(vkey: str, note: str) -> None:
    name, public = parse_verifier_key(vkey)
    parsed = parse_note(note)
    assert parsed.verified_by(name, public)
    assert parsed.signatures[0].key_hash == key_hash(name, public.raw)
    tampered = parse_note(note.replace("message", "massage").replace("answer", "question"))
    assert not tampered.verified_by(name, public)


@pytest.mark.parametrize(
    "note",
    [
        pytest.param("no blank line\n— a b\n", id="no-blank"),
        pytest.param("text\n\n", id="no-signature"),
        pytest.param("text\n\n- name AAAA\n", id="hyphen-not-dash"),
        pytest.param("text\n\n— name !!!\n", id="bad-base64"),
        pytest.param("text\n\n— name AAAA\n", id="too-short"),
        pytest.param("text\n\n— name AAAAAAAA", id="no-final-newline"),
    ],
)
def test_malformed_notes_are_rejected(note: str) -> None:
    with pytest.raises(LedgerError):
        parse_note(note)


@settings(max_examples=25, deadline=None)
@given(
    origin=st.from_regex(r"[a-z0-9./-]{1,30}", fullmatch=True),
    size=st.integers(0, 2**40),
    root=st.binary(min_size=32, max_size=32),
)
def test_checkpoint_round_trip(origin: str, size: int, root: bytes) -> None:
    pair = go_pair()
    checkpoint = Checkpoint(origin, size, root)
    note = sign_note(checkpoint.text(), "agentguard-test", pair)
    assert open_checkpoint(note, "agentguard-test", pair.public) == checkpoint
    with pytest.raises(LedgerError, match="not signed by"):
        open_checkpoint(note, "agentguard-test", KeyPair.generate().public)
    with pytest.raises(LedgerError, match="not signed by"):
        open_checkpoint(note.replace(f"\n{size}\n", f"\n{size + 1}\n"), "agentguard-test", pair.public)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("origin\n12\n", id="no-root"),
        pytest.param("origin\n012\n" + base64.b64encode(b"x" * 32).decode() + "\n", id="leading-zero"),
        pytest.param("origin\n-1\n" + base64.b64encode(b"x" * 32).decode() + "\n", id="negative"),
        pytest.param("origin\n1\n" + base64.b64encode(b"x" * 31).decode() + "\n", id="short-root"),
    ],
)
def test_bad_checkpoint_bodies(text: str) -> None:
    with pytest.raises(LedgerError):
        Checkpoint.parse(text)


def test_key_files_are_private_and_stable(tmp_path: Path) -> None:
    path = str(tmp_path / "keys" / "agent.key")
    first = load_or_create(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert load_or_create(path) == first
    assert len(first.key_id) == 16
    new = KeyPair.generate()
    replace_key(path, new)
    assert load_key(path) == new
    assert load_key(f"{path}.{first.key_id}.old") == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_key_being_written_is_never_read_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first hooks of a new install start together. While one writes the new key (held up here in the
    middle of writing it), another that finds the name must read the whole key, not an empty file."""
    import base64
    import threading
    import time

    from agentguard.ledger import keys

    real = base64.b64encode

    def slow(data: bytes) -> bytes:
        time.sleep(0.3)
        return real(data)

    monkeypatch.setattr(keys.base64, "b64encode", slow)
    path = str(tmp_path / "keys" / "agent.key")
    first: list[KeyPair] = []
    writer = threading.Thread(target=lambda: first.append(load_or_create(path)))
    writer.start()
    time.sleep(0.1)
    second = load_or_create(path)
    writer.join()
    assert second == first[0] == load_key(path)
    assert os.listdir(tmp_path / "keys") == ["agent.key"]  # no temporary file left behind


def test_signatures_check(tmp_path: Path) -> None:
    pair = KeyPair.generate()
    sig = pair.signer().sign(b"event")
    assert pair.public.verifies(b"event", sig)
    assert not pair.public.verifies(b"event!", sig)
    assert not KeyPair.generate().public.verifies(b"event", sig)
    assert not pair.public.verifies(b"event", sig[:-1])


def test_broken_key_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "agent.key"
    path.write_text("not base64!\n")
    with pytest.raises(LedgerError, match="not valid base64"):
        load_key(str(path))


def test_a_sealed_key_gives_nothing_without_its_passphrase(tmp_path: Path) -> None:
    from agentguard.ledger.keys import is_sealed, seal_key

    path = str(tmp_path / "admin.key")
    pair = load_or_create(path)
    seal_key(path, "correct horse")
    text = Path(path).read_text()
    assert is_sealed(path) and base64.b64encode(pair.seed).decode() not in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(LedgerError, match="sealed with a passphrase"):
        load_key(path)
    with pytest.raises(LedgerError, match="wrong passphrase"):
        load_key(path, lambda: "battery staple")
    assert load_key(path, lambda: "correct horse") == pair
    seal_key(path, "new phrase", current="correct horse")  # a new passphrase
    assert load_key(path, lambda: "new phrase") == pair


def test_resolve_and_rotate_with_a_sealed_admin_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from agentguard.cli.app import cli
    from agentguard.ledger import Actor, Ledger
    from agentguard.ledger.breaks import declare
    from agentguard.state import Places

    with Ledger.open(Places.from_env(), declare_breaks=True) as ledger:
        ledger.append("decision", Actor.agent("s"), {"verdict": "allow"})
        bid = f"B{declare(ledger, 'hash_mismatch', 1, 1, 'x', 'y', 'test').seq}"
        admin = ledger.paths.admin_key
    runner = CliRunner()
    sealed = runner.invoke(cli, ["ledger", "seal-admin-key"], input="s3cret\ns3cret\n")
    assert sealed.exit_code == 0, sealed.output
    refused = runner.invoke(cli, ["ledger", "resolve", bid, "--validate", "--reason", "x"], input="nope\n")
    assert refused.exit_code != 0 and "wrong passphrase" in refused.output
    monkeypatch.setenv("AGENTGUARD_ADMIN_PASSPHRASE", "s3cret")
    rotated = runner.invoke(cli, ["ledger", "rotate-key", "--role", "admin"])
    assert rotated.exit_code == 0, rotated.output
    assert Path(admin).read_text().startswith("agentguard-sealed-key")  # the new admin key is sealed too
    done = runner.invoke(cli, ["ledger", "resolve", bid, "--validate", "--reason", "checked"])
    assert done.exit_code == 0 and f"{bid}: validated" in done.output
