"""The dashboard's access rules, over real HTTP on loopback: the token, the host, one-time path-bound form
nonces, and GETs that change nothing (not even on an action's URL)."""

from __future__ import annotations

import hashlib
import os
import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from boardkit import Board, http

from agentguard.dashboard.security import NONCE_SECONDS, Nonces
from agentguard.models import Decision
from agentguard.state import Places

Hook = Callable[..., Decision]


def token(board: Board) -> str:
    return board.url.split("?t=", 1)[1]


def state_fingerprint(project: Path) -> dict[str, object]:
    """What a GET must not change: the ledger (its size and head), every approval, every snapshot, the mode,
    and the project's files. (Not raw bytes: SQLite folds its WAL into the database when a reader closes, and
    the hook's background sync stamps its own state file.)"""
    from agentguard.approvals.store import Approvals
    from agentguard.ledger import Ledger
    from agentguard.snapshots.store import Store

    places = Places.from_env()
    with Ledger.open(places) as ledger:
        head = (ledger.size, ledger.head().hash.hex())
    with Approvals.open(places.state) as store:
        approvals = [a.to_json() for a in store.list()]
    with Store.open(places.state) as snapshots:
        taken = [s.summary() for s in snapshots.list()]
    mode = Path(places.mode_file).read_text() if os.path.exists(places.mode_file) else None
    grant = Path(places.state, "plan-grant.json")
    plan = grant.read_text() if grant.exists() else None
    # git's object store is content-addressed: measuring a change (the review page) adds tree objects that no
    # ref names, as `git status` may; refs, the index and every other file are compared
    files = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(project.rglob("*"))
             if p.is_file() and "/.git/objects/" not in str(p)}  # fmt: skip
    return {"ledger": head, "approvals": approvals, "snapshots": taken, "mode": mode, "plan": plan, "files": files}


def test_without_the_token_nothing_is_shown(board: Board, hook: Hook) -> None:
    hook()
    assert http("GET", f"{board.base}/")[0] == 403
    assert http("GET", f"{board.base}/approvals/A-1?t=wrong")[0] == 403
    status, page = http("GET", f"{board.base}/approvals/A-1?t={token(board)}")
    assert status == 200 and "printenv GITHUB_TOKEN" in page


def test_it_answers_on_loopback_names_only(board: Board) -> None:
    status, _ = http("GET", board.url, headers={"Host": f"attacker.example:{board.port}"})
    assert status == 403, "a page that rebinds its DNS to 127.0.0.1 is refused"
    with pytest.raises(OSError):
        non_loopback = socket.gethostbyname(socket.gethostname())
        if non_loopback.startswith("127."):
            raise OSError("this machine has no other address to try")
        socket.create_connection((non_loopback, board.port), timeout=2)


def test_a_get_on_any_url_changes_nothing(board: Board, hook: Hook, project: Path) -> None:
    from agentguard.plans.grant import approve

    hook()  # A-1 pending
    (project / "plan.md").write_text("## Files\n- notes.txt\n")
    approve(Places.from_env(), str(project), str(project / "plan.md"), by="alice", how="cli")  # a grant in force
    snapshot = hook("rm .agentic-qe/memory.db").snapshot
    (project / ".agentic-qe" / "memory.db").unlink()
    before = state_fingerprint(project)
    t = token(board)
    pages = ["/", "/fragments/feed", "/fragments/pending", "/approvals", "/approvals/A-1", "/snapshots",
             f"/snapshots/{snapshot}", "/ledger", "/mode", "/plan", "/review"]  # fmt: skip
    actions = ["/approvals/A-1/approve", "/approvals/A-1/deny", f"/snapshots/{snapshot}/restore",
               "/ledger/breaks/B1/resolve", "/plan/approve", "/plan/done", "/review/approve"]  # fmt: skip
    for path in pages + actions:
        status, _ = http("GET", f"{board.base}{path}?t={t}")
        assert status == (405 if path in actions else 200), path
    assert state_fingerprint(project) == before
    assert not (project / ".agentic-qe" / "memory.db").exists(), "no GET restored anything"
    status, page = http("GET", f"{board.base}/approvals/A-1?t={t}")
    assert 'id="status" class="pending">pending' in page


def form_nonce(board: Board, page_path: str, action: str) -> str:
    status, page = http("GET", f"{board.base}{page_path}?t={token(board)}")
    assert status == 200
    match = re.search(rf'action="{re.escape(action)}">\s*<input type="hidden" name="nonce" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def test_a_post_needs_a_nonce_issued_for_that_path_and_used_once(board: Board, hook: Hook) -> None:
    hook()
    t = token(board)
    approve = f"{board.base}/approvals/A-1/approve?t={t}"
    assert http("POST", approve, data={})[0] == 403
    assert http("POST", approve, data={"nonce": "guessed"})[0] == 403
    deny_nonce = form_nonce(board, "/approvals/A-1", "/approvals/A-1/deny")
    assert http("POST", approve, data={"nonce": deny_nonce})[0] == 403, "a nonce is for its own path only"
    nonce = form_nonce(board, "/approvals/A-1", "/approvals/A-1/approve")
    other_site = {"Origin": "http://attacker.example"}
    assert http("POST", approve, data={"nonce": nonce}, headers=other_site)[0] == 403
    nonce = form_nonce(board, "/approvals/A-1", "/approvals/A-1/approve")
    status, page = http("POST", approve, data={"nonce": nonce})
    assert status == 303 and page == "/approvals/A-1?done=A-1%20approved"  # POST, then redirect to a GET
    assert http("POST", approve, data={"nonce": nonce})[0] == 403, "one-time"
    assert hook().verdict.name == "ALLOW"


def test_nonces_expire() -> None:
    nonces = Nonces()
    issued = nonces.issue("/x", now=1000.0)
    assert not nonces.redeem(issued, "/x", now=1000.0 + NONCE_SECONDS + 1)
    fresh = nonces.issue("/x", now=1000.0)
    assert nonces.redeem(fresh, "/x", now=1000.0 + NONCE_SECONDS - 1)


def test_the_dashboard_reads_the_places_the_cli_reads(board: Board, hook: Hook) -> None:
    hook()
    status, page = http("GET", f"{board.base}/approvals?t={token(board)}")
    assert status == 200 and "A-1" in page and Places.from_env().state.startswith(os.environ["AGENTGUARD_HOME"])


def test_a_change_to_review_is_approved_on_the_page_by_its_diff(board: Board, project: Path) -> None:
    """The review page shows what would ship and its diff hash; approving signs a review_approved for that
    hash (as `agentguard review approve` does), and the gate then lets the push through. A change made after
    the page was read has another hash: the stale form is refused."""
    import subprocess

    from agentguard.models import Action
    from agentguard.pipeline import Gate

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    (project / "big.py").write_text("".join(f"x{i} = {i}\n" for i in range(400)))
    git("add", "big.py")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a big change")
    push = Action.shell("git push origin main", str(project), session_id="s-1")
    assert Gate.from_env().decide(push, project_root=str(project)).verdict.name == "ASK"
    status, page = http("GET", f"{board.base}/review?t={token(board)}")
    assert status == 200 and "review needed" in page and "changed lines &gt; 300" in page
    diff_hash = re.search(r'id="diff-hash">(sha256:[0-9a-f]+)<', page)
    assert diff_hash, page
    nonce = form_nonce(board, "/review", "/review/approve")
    (project / "later.py").write_text("y = 1\n")  # the change grows after the human read the page
    stale = {"nonce": nonce, "diff_hash": diff_hash.group(1), "reason": "read it"}
    assert http("POST", f"{board.base}/review/approve?t={token(board)}", data=stale)[0] == 400
    (project / "later.py").unlink()
    nonce = form_nonce(board, "/review", "/review/approve")
    data = {"nonce": nonce, "diff_hash": diff_hash.group(1), "reason": "read it with Ana"}
    status, where = http("POST", f"{board.base}/review/approve?t={token(board)}", data=data)
    assert status == 303 and where.startswith("/review?done=")
    assert Gate.from_env().decide(push, project_root=str(project)).verdict.name == "ALLOW"
