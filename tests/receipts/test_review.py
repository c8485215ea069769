"""The review gate with real git: a big or protected change asks before push, merge or deploy; git's own hooks
hold the same line; a human's approval (bound to the diff hash) lets it through."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentguard.models import Action, Verdict
from agentguard.pipeline import Gate

from .projects import REVIEW_TOML, big_rewrite, git, make_payments_project

SCRIPT = str(Path(sys.executable).with_name("agentguard"))


def decide(root: Path, command: str) -> tuple[Verdict, str]:
    decision = Gate.from_env().decide(Action.shell(command, str(root)), project_root=str(root))
    return decision.verdict, "; ".join(decision.reasons)


def agentguard(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], cwd=root, capture_output=True, text=True, check=check)


def approve_current(root: Path) -> None:
    """A human approves the project as it is (what `init` records as the baseline)."""
    status = json.loads(agentguard(root, "review", "status", "--json").stdout)
    agentguard(root, "review", "approve", status["diff_hash"], "--reason", "the project as adopted")


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = make_payments_project(tmp_path)
    approve_current(root)
    return root


@pytest.mark.parametrize("command", ["git push origin main", "git push", "./deploy.sh prod",
                                     "kubectl apply -f k8s/", "cd . && ./deploy.sh prod"])  # fmt: skip
def test_the_big_rewrite_asks_before_it_ships_naming_size_and_protected_code(shop: Path, command: str) -> None:
    big_rewrite(shop)
    git(shop, "add", "-A")
    git(shop, "commit", "-q", "-m", "rewrite payments")

    verdict, reason = decide(shop, command)

    assert verdict == Verdict.ASK
    assert "1,500 changed lines > 300" in reason or "1,503 changed lines > 300" in reason, reason
    assert "src/payments/circuit_breaker.py (deleted)" in reason
    assert "sha256:" in reason and "agentguard review approve sha256:" in reason


def test_a_small_change_to_unprotected_code_ships(shop: Path) -> None:
    (shop / "README.md").write_text("shop\nnow with docs\n")
    git(shop, "commit", "-qam", "docs")

    assert decide(shop, "git push origin main")[0] == Verdict.ALLOW
    assert decide(shop, "./deploy.sh prod")[0] == Verdict.ALLOW


def test_a_one_line_change_to_protected_code_asks(shop: Path) -> None:
    (shop / "src" / "payments" / "charge.py").write_text("def charge(amount):\n    return amount * 2\n")

    verdict, reason = decide(shop, "git push origin main")

    assert verdict == Verdict.ASK and "2 changed lines" not in reason
    assert "touches protected src/payments/charge.py (modified)" in reason


def test_size_alone_asks_without_protected_paths(tmp_path: Path) -> None:
    shop = make_payments_project(tmp_path, toml="[review]\nmax_lines = 50\n")
    approve_current(shop)
    (shop / "notes.md").write_text("line\n" * 60)

    verdict, reason = decide(shop, "git push")

    assert verdict == Verdict.ASK and "60 changed lines > 50" in reason and "protected" not in reason


def test_an_approval_bound_to_the_diff_lets_it_ship_and_a_new_change_asks_again(shop: Path) -> None:
    big_rewrite(shop)
    status = json.loads(agentguard(shop, "review", "status", "--json").stdout)
    assert status["reviewable"] is True

    done = agentguard(shop, "review", "approve", status["diff_hash"], "--reason", "read it")

    assert "approved in ledger event" in done.stdout
    assert decide(shop, "./deploy.sh prod")[0] == Verdict.ALLOW
    (shop / "src" / "payments" / "charge.py").write_text("def charge(amount):\n    return 0\n")
    assert decide(shop, "./deploy.sh prod")[0] == Verdict.ASK


def test_approving_a_hash_that_is_not_the_change_now_is_refused(shop: Path) -> None:
    big_rewrite(shop)

    done = agentguard(shop, "review", "approve", "sha256:" + "0" * 64, check=False)

    assert done.returncode != 0 and "is not the change in" in done.stderr
    assert decide(shop, "git push")[0] == Verdict.ASK


def test_with_checks_declared_an_approval_needs_a_passing_receipt(tmp_path: Path) -> None:
    shop = make_payments_project(tmp_path, toml=REVIEW_TOML + '[receipts]\nchecks = ["test -f README.md"]\n')
    agentguard(shop, "receipts", "run")
    approve_current(shop)
    big_rewrite(shop)
    diff = json.loads(agentguard(shop, "review", "status", "--json").stdout)["diff_hash"]

    refused = agentguard(shop, "review", "approve", diff, check=False)
    assert "no passing receipt for this tree yet" in decide(shop, "git push")[1]
    agentguard(shop, "receipts", "run")
    assert "passing receipt" in decide(shop, "git push")[1]
    accepted = agentguard(shop, "review", "approve", diff)

    assert refused.returncode != 0 and "no passing receipt" in refused.stderr
    assert accepted.returncode == 0
    assert decide(shop, "git push")[0] == Verdict.ALLOW


def test_the_agent_may_not_approve_or_waive(shop: Path) -> None:
    assert decide(shop, "agentguard review approve sha256:abc")[0] == Verdict.DENY
    assert decide(shop, "agentguard receipts waive --reason done")[0] == Verdict.DENY
    assert decide(shop, "agentguard review status")[0] == Verdict.ALLOW
    assert decide(shop, "agentguard receipts verify")[0] == Verdict.ALLOW


def test_a_deploy_outside_git_asks(tmp_path: Path) -> None:
    (tmp_path / "agentguard.toml").write_text("")

    verdict, reason = decide(tmp_path, "terraform apply -auto-approve")

    assert verdict == Verdict.ASK and "outside a git repository" in reason


def test_init_installs_git_hooks_that_stop_the_push_until_approved(tmp_path: Path) -> None:
    shop = make_payments_project(tmp_path)  # nothing approved yet: init records the committed tree as the base
    init = agentguard(shop, "init", "--claude")
    assert "pre-push: installed" in init.stdout and "reviewed base" in init.stdout
    assert "reviewed base" not in agentguard(shop, "init", "--claude").stdout  # once: a later init moves nothing
    big_rewrite(shop)
    git(shop, "add", "-A")

    commit = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "rewrite"],
                            cwd=shop, capture_output=True, text=True, check=False)  # fmt: skip
    assert commit.returncode != 0 and "review needed before this commit" in commit.stderr
    git(shop, "commit", "-q", "--no-verify", "-m", "rewrite")  # a human's override
    push = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=shop, capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert push.returncode != 0 and "circuit_breaker.py (deleted)" in push.stderr

    diff = json.loads(agentguard(shop, "review", "status", "--json").stdout)["diff_hash"]
    agentguard(shop, "review", "approve", diff)
    git(shop, "push", "-q", "origin", "main")
    assert git(shop, "ls-remote", "origin", "main").split()[0] == git(shop, "rev-parse", "HEAD").strip()


def test_merging_a_branch_that_holds_the_rewrite_asks(shop: Path) -> None:
    git(shop, "checkout", "-q", "-b", "rewrite")
    big_rewrite(shop)
    git(shop, "add", "-A")
    git(shop, "commit", "-q", "-m", "rewrite payments")
    git(shop, "checkout", "-q", "main")  # main's working tree is clean: only the merge brings the change in

    verdict, reason = decide(shop, "git merge --no-ff rewrite")

    assert verdict == Verdict.ASK and "before git merge" in reason
    assert "src/payments/circuit_breaker.py (deleted)" in reason
    assert decide(shop, "git merge main")[0] == Verdict.ALLOW  # nothing new comes in
    verdict, reason = decide(shop, "git fetch origin x && git merge no-such-branch")
    assert verdict == Verdict.ASK and "could not measure" in reason  # made on the line: unknown, not waved through


def test_the_approval_is_signed_with_the_admin_key_which_the_agent_key_cannot_forge(shop: Path) -> None:
    from agentguard.ledger import Actor, Ledger
    from agentguard.ledger.errors import LedgerError
    from agentguard.state import Places

    big_rewrite(shop)
    diff = json.loads(agentguard(shop, "review", "status", "--json").stdout)["diff_hash"]
    agentguard(shop, "review", "approve", diff)

    with Ledger.open(Places.from_env()) as ledger:
        [approval] = ledger.last(1, "review_approved")
        assert approval.key_id == ledger.ring.current("admin").key.key_id  # type: ignore[union-attr]
        with pytest.raises(LedgerError):  # what an agent with the agent key would try
            ledger.append("review_approved", Actor.human("me"), {"project": str(shop), "tree": "x"})
    assert agentguard(shop, "ledger", "verify").returncode == 0


def test_with_nothing_reviewed_the_whole_tree_is_the_change(tmp_path: Path) -> None:
    shop = make_payments_project(tmp_path)  # pushed to its upstream, but no human approved anything

    verdict, reason = decide(shop, "git push")

    assert verdict == Verdict.ASK and "nothing reviewed yet" in reason and "charge.py (added)" in reason


def test_moving_the_remote_tracking_ref_does_not_shrink_the_change(shop: Path) -> None:
    big_rewrite(shop)
    git(shop, "add", "-A")
    git(shop, "commit", "-q", "--no-verify", "-m", "rewrite")
    git(shop, "fetch", "-q", ".", "HEAD:refs/remotes/origin/main", "--update-head-ok")  # what an agent could run

    verdict, reason = decide(shop, "git push origin main")

    assert verdict == Verdict.ASK and "circuit_breaker.py (deleted)" in reason


def test_a_user_who_trusts_the_upstream_gets_its_merge_base_as_reviewed(tmp_path: Path) -> None:
    from agentguard.state import Places

    shop = make_payments_project(tmp_path)
    config = Path(Places.from_env().config)
    config.mkdir(parents=True)
    (config / "agentguard.toml").write_text("[review]\ntrust_upstream = true\n")

    assert decide(shop, "git push")[0] == Verdict.ALLOW
    big_rewrite(shop)
    verdict, reason = decide(shop, "git push")
    assert verdict == Verdict.ASK and "since merge-base with @{upstream}" in reason


def test_the_project_may_not_trust_the_upstream(tmp_path: Path) -> None:
    shop = make_payments_project(tmp_path, toml=REVIEW_TOML + "trust_upstream = true\n")

    verdict, reason = decide(shop, "ls")

    assert verdict == Verdict.DENY and "only your user config" in reason


def test_in_shadow_mode_the_review_gate_records_what_it_would_ask(shop: Path) -> None:
    from agentguard.state import Places, write_mode

    write_mode(Places.from_env(), "shadow", by="tests", reason=None)
    big_rewrite(shop)

    decision = Gate.from_env().decide(Action.shell("git push", str(shop)), project_root=str(shop))

    assert decision.verdict == Verdict.ALLOW and decision.would_be == Verdict.ASK
    assert "review needed before git push" in " ".join(decision.reasons)


def test_a_rewrite_committed_then_undone_in_the_working_tree_still_asks_on_push(shop: Path) -> None:
    big_rewrite(shop)
    git(shop, "add", "-A")
    git(shop, "commit", "-q", "-m", "rewrite")
    git(shop, "checkout", "-q", "HEAD~1", "--", ".")  # the working tree looks like the reviewed base again
    git(shop, "rm", "-q", "--cached", "src/payments/engine.py")
    (shop / "src/payments/engine.py").unlink()

    verdict, reason = decide(shop, "git push origin main")

    assert verdict == Verdict.ASK and "circuit_breaker.py (deleted)" in reason
    assert decide(shop, "./deploy.sh prod")[0] == Verdict.ALLOW  # what a deploy from here ships is reviewed


def test_pushing_another_branch_measures_that_branch(shop: Path) -> None:
    git(shop, "checkout", "-q", "-b", "rewrite")
    big_rewrite(shop)
    git(shop, "add", "-A")
    git(shop, "commit", "-q", "-m", "rewrite")
    git(shop, "checkout", "-q", "main")

    verdict, reason = decide(shop, "git push origin rewrite:main")

    assert verdict == Verdict.ASK and "circuit_breaker.py (deleted)" in reason
    assert decide(shop, "git push origin main")[0] == Verdict.ALLOW


def test_push_all_measures_every_branch_and_a_missing_branch_is_not_measured(shop: Path) -> None:
    git(shop, "checkout", "-q", "-b", "rewrite")
    big_rewrite(shop)
    git(shop, "add", "-A")
    git(shop, "commit", "-q", "-m", "rewrite")
    git(shop, "checkout", "-q", "main")

    assert decide(shop, "git push --all origin")[0] == Verdict.ASK
    assert decide(shop, "git push origin no-such-branch")[0] == Verdict.ALLOW  # git refuses it: nothing ships
    verdict, reason = decide(shop, "git push origin 'refs/heads/*:refs/heads/*'")
    assert verdict == Verdict.ASK and "could not measure" in reason


def test_a_review_ask_is_approved_by_its_diff_not_queued_for_the_command(shop: Path) -> None:
    """With every ask routed to the approvals queue, the review gate's ask still is not queued: a grant for the
    command `git push` would ship whatever diff is there when it is used. It is approved by the diff's hash."""
    from agentguard.approvals.store import db_path
    from agentguard.state import Places

    places = Places.from_env()
    Path(places.config).mkdir(parents=True, exist_ok=True)
    Path(places.config, "agentguard.toml").write_text('[approvals]\nroute = "always"\nwait_seconds = 0\n')
    big_rewrite(shop)
    git(shop, "add", "-A")
    git(shop, "commit", "-q", "-m", "rewrite payments")
    action = Action.shell("git push origin main", str(shop), session_id="s-1")

    decision = Gate.from_env().decide(action, project_root=str(shop), before_run=True)

    assert decision.verdict == Verdict.ASK and "agentguard review approve sha256:" in " ".join(decision.reasons)
    assert "pending" not in " ".join(decision.reasons)
    assert not Path(db_path(places.state)).exists()
    approve_current(shop)
    assert Gate.from_env().decide(action, project_root=str(shop), before_run=True).verdict == Verdict.ALLOW


@pytest.mark.parametrize("command", ["gh pr merge 42 --squash", "glab mr merge 7", "cd . && gh pr merge --auto"])
def test_a_merge_on_the_forge_asks_because_its_diff_is_not_here(shop: Path, command: str) -> None:
    """`gh pr merge` merges what the pull request holds on the forge: it cannot be measured or bound here."""
    verdict, reason = decide(shop, command)
    assert verdict == Verdict.ASK and "merges a change on the forge" in reason, reason


def test_reading_pull_requests_is_not_shipping(shop: Path) -> None:
    assert decide(shop, "gh pr list")[0] == Verdict.ALLOW
    assert decide(shop, "gh pr view 42")[0] == Verdict.ALLOW


def test_merging_a_name_git_cannot_resolve_ships_nothing(shop: Path) -> None:
    """`git merge no-such-branch` fails in git ("not something we can merge"): there is no change to review."""
    big_rewrite(shop)
    assert decide(shop, "git merge no-such-branch 2>/dev/null")[0] == Verdict.ALLOW
