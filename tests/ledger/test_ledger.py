"""The ledger API on a real SQLite file: genesis, appends, grouping, checkpoints, rotation, start-up check."""

from __future__ import annotations

import itertools
import os
import sqlite3
import stat
import subprocess
import sys
import time

import pytest
from ledgerkit import fill

from agentguard.ledger import Actor, Ledger
from agentguard.ledger.errors import IntegrityError, LedgerError
from agentguard.ledger.event import GENESIS_PREV, Event, link_of
from agentguard.ledger.keys import load_key
from agentguard.ledger.merkle import Tree, leaf_hash
from agentguard.ledger.note import open_checkpoint
from agentguard.ledger.paths import LedgerPaths
from agentguard.ledger.store import Store
from agentguard.state import Places


def test_genesis_declares_keys_and_origin(ledger: Ledger, folder: LedgerPaths) -> None:
    genesis = ledger.event(0)
    assert genesis.kind == "ledger_created" and genesis.prev == GENESIS_PREV
    agent, admin = load_key(folder.agent_key), load_key(folder.admin_key)
    assert genesis.payload["keys"] == {"agent": agent.public.b64, "admin": admin.public.b64}
    assert genesis.key_id == agent.key_id != admin.key_id
    assert agent.public.verifies(genesis.body, genesis.sig)
    for path in (folder.agent_key, folder.admin_key):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_appends_chain_and_are_stored_verbatim(ledger: Ledger) -> None:
    first = ledger.append("decision", Actor.agent("s1"), {"command": "rm -rf x", "verdict": "deny"})
    second = ledger.append("mode_change", Actor.human("alice"), {"mode": "freeze"})
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev == ledger.event(0).hash.hex() and second.prev == first.hash.hex()
    stored = ledger.event(1)
    assert stored == Event.from_row(1, first.body, first.sig)
    assert stored.body == first.body and stored.payload == {"command": "rm -rf x", "verdict": "deny"}
    assert link_of(stored.body) == (first.prev.encode(), 1)
    assert ledger.head().seq == 2 and ledger.size == 3
    assert stored.to_json()["actor"] == {"type": "agent", "id": "s1"}


def test_reopen_keeps_the_chain(folder: LedgerPaths) -> None:
    with Ledger.at(folder) as one:
        fill(one, 5)
        head = one.head()
    with Ledger.at(folder) as two:
        assert two.head() == head
        assert two.append("decision", Actor.agent("s"), {}).prev == head.hash.hex()


def test_open_from_places_uses_the_state_dir(tmp_path: object) -> None:
    places = Places.from_env()
    with Ledger.open(places) as opened:
        assert opened.paths.folder == os.path.join(places.state, "ledger")
        assert opened.append("decision", Actor.agent("s"), {"verdict": "ask"}).seq == 1


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        pytest.param("decision", {"score": 0.5}, "floats are not allowed", id="float"),
        pytest.param("decision", {1: "x"}, "not a string", id="int-key"),
        pytest.param("", {}, "needs a kind", id="no-kind"),
        pytest.param("key_rotated", {}, "own method", id="reserved-rotation"),
        pytest.param("chain_break_resolution", {}, "own method", id="reserved-admin"),
    ],
)
def test_bad_appends_are_refused_and_leave_no_trace(ledger: Ledger, kind: str, payload: dict, message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        ledger.append(kind, Actor.agent("s"), payload)
    assert ledger.size == 1
    assert ledger.append("decision", Actor.agent("s"), {}).seq == 1


def test_actor_types_are_checked() -> None:
    with pytest.raises(LedgerError, match="one of agent, human, system"):
        Actor("robot", "r2")
    with pytest.raises(LedgerError, match="non-empty"):
        Actor.agent("")


def test_grouped_appends_commit_by_count_and_by_time(folder: LedgerPaths) -> None:
    with Ledger.at(folder, group=True, group_seconds=0.2) as grouped:
        other = Store(folder.db, readonly=True)
        fill(grouped, 3)
        assert other.count() == 1  # not committed yet
        time.sleep(0.5)  # the flusher commits an open group after group_seconds
        assert other.count() == 4
        fill(grouped, 100)
        assert other.count() == 104  # a full group of 100 commits at once
        fill(grouped, 2)
        grouped.flush()
        assert other.count() == 106
        other.close()
    with Ledger.at(folder) as reopened:
        assert reopened.size == 106


def test_checkpoints_every_n_events_and_anchor(folder: LedgerPaths) -> None:
    with Ledger.at(folder, checkpoint_every=10) as ledger:
        fill(ledger, 25)
        sizes = [c.size for c in ledger.store.checkpoints()]
        assert sizes == [2, 12, 22]
        leaves = [e.hash for e in ledger.events()]
        agent = load_key(folder.agent_key).public
        for stored in ledger.store.checkpoints():
            cp = open_checkpoint(stored.note, ledger.origin, agent)
            assert cp.root == Tree(leaves).root(cp.size) == stored.root
        with open(folder.anchor, encoding="utf-8") as handle:
            assert handle.read() == ledger.store.latest_checkpoint().note  # type: ignore[union-attr]


def test_checkpoints_by_time(folder: LedgerPaths) -> None:
    with Ledger.at(folder, checkpoint_every=1000, checkpoint_seconds=0) as ledger:
        fill(ledger, 3)
        assert [c.size for c in ledger.store.checkpoints()] == [2, 3, 4]


def test_manual_checkpoint_signs_the_current_tree(ledger: Ledger, folder: LedgerPaths) -> None:
    fill(ledger, 4)
    note = ledger.checkpoint()
    cp = open_checkpoint(note, ledger.origin, load_key(folder.agent_key).public)
    assert cp.size == 5 and cp.root == Tree([e.hash for e in ledger.events()]).root()


def test_key_rotation(folder: LedgerPaths) -> None:
    with Ledger.at(folder) as ledger:
        fill(ledger, 2)
        old = load_key(folder.agent_key)
        rotation = ledger.rotate_key()
        after = ledger.append("decision", Actor.agent("s"), {})
    new = load_key(folder.agent_key)
    assert new != old and load_key(f"{folder.agent_key}.{old.key_id}.old") == old
    assert rotation.kind == "key_rotated" and rotation.key_id == old.key_id
    assert rotation.payload["public_key"] == new.public.b64
    assert old.public.verifies(rotation.body, rotation.sig)
    assert after.key_id == new.key_id and new.public.verifies(after.body, after.sig)
    with Ledger.at(folder) as reopened:
        assert reopened.append("decision", Actor.agent("s"), {}).key_id == new.key_id


def test_admin_key_rotation_is_signed_by_the_admin_key(ledger: Ledger, folder: LedgerPaths) -> None:
    old_admin = load_key(folder.admin_key)
    rotation = ledger.rotate_key("admin")
    assert rotation.key_id == old_admin.key_id
    assert load_key(folder.admin_key).key_id == rotation.payload["key_id"]


def test_a_wrong_agent_key_is_refused(folder: LedgerPaths, tmp_path: object) -> None:
    Ledger.at(folder).close()
    other = LedgerPaths(folder.folder, agent_key_path=folder.admin_key)
    with pytest.raises(LedgerError, match="not the ledger's current agent key"):
        Ledger.at(other)


def test_store_is_append_only(ledger: Ledger, folder: LedgerPaths) -> None:
    assert not [name for name in dir(Store) if any(w in name for w in ("update", "delete", "remove", "replace"))]
    fill(ledger, 2)
    db = sqlite3.connect(folder.db)
    for sql in ("UPDATE events SET body = x'00' WHERE seq = 1", "DELETE FROM events WHERE seq = 2",
                "DELETE FROM checkpoints"):  # fmt: skip
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(sql)
    db.close()


def test_two_writers_interleave_into_one_chain(folder: LedgerPaths) -> None:
    one = Ledger.at(folder)
    two = Ledger.at(folder)
    for i in range(6):
        (one if i % 2 else two).append("decision", Actor.agent(f"s{i % 2}"), {"i": i})
    events = list(one.events())
    assert [e.seq for e in events] == list(range(7))
    assert all(b.prev == leaf_hash(a.body).hex() for a, b in itertools.pairwise(events))
    one.close()
    two.close()


def test_readonly(folder: LedgerPaths) -> None:
    with pytest.raises(LedgerError, match="no ledger"):
        Ledger.at(folder, readonly=True)
    Ledger.at(folder).close()
    with Ledger.at(folder, readonly=True) as reader, pytest.raises(LedgerError, match="read-only"):
        reader.append("decision", Actor.agent("s"), {})


def test_start_up_check_refuses_a_head_that_does_not_hash(folder: LedgerPaths) -> None:
    with Ledger.at(folder) as ledger:
        fill(ledger, 3)
    db = sqlite3.connect(folder.db)
    db.execute("UPDATE head SET hash = zeroblob(32)")
    db.commit()
    db.close()
    with pytest.raises(IntegrityError, match="does not hash to the recorded head"):
        Ledger.at(folder)


def test_importing_the_package_is_light() -> None:
    code = ("import sys, agentguard.ledger; heavy = {'nacl', 'rfc8785', 'sqlite3'} & set(sys.modules); "
            "assert not heavy, heavy")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_writer_follows_a_rotation_made_by_another_process(folder: LedgerPaths) -> None:
    from agentguard.ledger.verify import verify

    one, two = Ledger.at(folder), Ledger.at(folder)
    fill(one, 2)
    rotation = one.rotate_key()
    after = two.append("decision", Actor.agent("s2"), {})  # two still holds the old key in memory
    assert after.key_id == rotation.payload["key_id"]
    two.checkpoint()
    one.close()
    two.close()
    assert verify(folder).ok
