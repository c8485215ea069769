"""Program specs: every file loads, the index is current, hooks resolve, and every example is decided as it says.

The `stop` and `allow` examples of each `[program.NAME]` run through the real gate (codex-execpolicy style): a spec
whose examples fail, or that cannot be read, fails here rather than in the hook.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from families import assert_never_crashes
from hypothesis import given, settings
from hypothesis import strategies as st

from agentguard.analysis import analyze_command, registry
from agentguard.analysis.spec import engine, load
from agentguard.analysis.spec.model import Program, SpecError
from agentguard.analysis.types import Invocation, Word
from agentguard.models import Kind
from agentguard.testing import Row, run_corpus

PROGRAMS = load.load_all()
UNIQUE = {program.name: program for program in PROGRAMS.values()}


def test_the_index_is_generated_from_the_specs() -> None:
    index = Path(load.__file__).with_name("index.py").read_text()
    assert index == load.render_index(), "run: .venv/bin/python -m agentguard.analysis.spec.load"


def test_no_spec_name_is_also_a_python_family() -> None:
    assert not set(PROGRAMS) & set(registry._INDEX), "a name must come from the spec or a family, not both"


@pytest.mark.parametrize("name", sorted(UNIQUE))
def test_every_program_has_examples_both_ways(name: str) -> None:
    program = UNIQUE[name]
    assert program.stop and program.allow, f"{name}: give at least one stop and one allow example"
    assert all(Path(e.split()[0]).name in program.names or "|" in e or "&&" in e for e in program.stop + program.allow)


@pytest.mark.parametrize("name", sorted({p.hook for p in UNIQUE.values() if p.hook}))
def test_every_hook_resolves(name: str) -> None:
    module, _, function = name.partition(":")
    assert callable(getattr(importlib.import_module(module), function))


def test_every_example_is_decided_as_its_spec_says() -> None:
    rows = [
        Row(expect, f"spec:{program.family}:{program.name}", n, cmd=cmd)
        for program in UNIQUE.values()
        for expect, examples in (("stop", program.stop), ("allow", program.allow))
        for n, cmd in enumerate(examples, start=1)
    ]
    wrong = [r.describe() for r in run_corpus(rows) if not r.ok]
    assert not wrong, "\n".join(wrong)


BAD: list[Any] = [
    pytest.param({"verbs": "x"}, "unknown keys", id="unknown-key"),
    pytest.param({"commands": {"x": "wreck: smashes"}}, "unknown kind", id="unknown-kind"),
    pytest.param({"commands": {"x": "destroy"}}, "kind: detail", id="no-detail"),
    pytest.param({"depth": 0}, "depth", id="bad-depth"),
    pytest.param({"valued": 3}, "string", id="bad-valued"),
    pytest.param({"flags": {"--prod": "production"}}, "key=value", id="bad-flag"),
    pytest.param({"hook": "os:system"}, "hook", id="hook-outside-agentguard"),
    pytest.param({"stop": "rm x"}, "examples", id="examples-not-a-list"),
    pytest.param({"hook_args": {"switches": 3}}, "hook argument", id="bad-hook-argument"),
    pytest.param({"context": {"galaxy": "--galaxy"}}, "context key", id="context-key-policy-does-not-know"),
]


@pytest.mark.parametrize(("table", "message"), BAD)
def test_a_malformed_spec_is_an_error_that_names_it(table: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        load._program("test", "tool", table)


def test_the_hook_reads_one_program_as_the_whole_file_reads_it() -> None:
    from agentguard.analysis.spec.index import NAMES

    assert {name: load.load_program(*where) for name, where in NAMES.items()} == PROGRAMS


def test_an_unreadable_spec_fails_closed_in_the_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(family: str, name: str) -> Program:
        raise SpecError("spec services: broken")

    monkeypatch.setattr(load, "load_program", broken)
    effects = analyze_command("gh pr list", "/tmp")
    assert [e.kind for e in effects] == [Kind.UNKNOWN]
    assert "cannot be read" in effects[0].detail


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("heroku pg:copy a b -a shop", "commands 'pg copy'"),
        ("gh release delete v1", "verb vocabulary ('delete')"),
        ("gh pr list", "verb vocabulary ('list')"),
        ("gh pr create", "default (ordinary write)"),
    ],
)
def test_explain_names_the_entry_that_decided(command: str, says: str) -> None:
    words = tuple(Word(w) for w in command.split())
    inv = Invocation(words=words, cwd="/tmp", source=command)
    assert engine.explain(PROGRAMS[words[0].text], inv).endswith(says)


WORDS = ["delete", "rm", "list", "get", "apps", "-a", "--app", "prod", "--force", "--", "x:y", "$X", "", "-"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(PROGRAMS)), st.lists(st.sampled_from(WORDS), max_size=6))
def test_spec_programs_never_crash(name: str, words: list[str]) -> None:
    assert_never_crashes(" ".join([name, *words]))


PRODUCTION = [
    pytest.param("vercel deploy --prod", "deny", id="vercel-prod-deploy"),
    pytest.param("netlify deploy --prod --dir dist", "deny", id="netlify-prod-deploy"),
    pytest.param("fly deploy -a shop-prod", "deny", id="fly-deploy-prod-app"),
    pytest.param("fly deploy -a shop-staging", "allow", id="fly-deploy-staging-app"),
    pytest.param("sst deploy --stage production", "deny", id="sst-deploy-prod-stage"),
    pytest.param("sst remove --stage dev", "ask", id="sst-remove-dev-stage"),
    pytest.param("ldcli flags delete beta --project shop --environment production", "deny", id="ldcli-env"),
    pytest.param("databricks --profile production jobs delete 42", "deny", id="databricks-profile"),
    pytest.param("vercel remove shop --yes --scope prod-team", "deny", id="vercel-scope"),
    pytest.param("auth0 apps delete app_1 --tenant prod-eu", "deny", id="auth0-tenant"),
    pytest.param("copilot svc delete --name api --env prod", "deny", id="copilot-env"),
    pytest.param("copilot svc deploy --name api --env test", "allow", id="copilot-test-deploy"),
]


def test_a_destroying_or_deploying_call_into_production_is_denied() -> None:
    rows = [Row("stop", "production", n, cmd=p.values[0]) for n, p in enumerate(PRODUCTION)]
    got = {r.row.cmd: str(r.verdict) for r in run_corpus(rows)}
    assert got == {p.values[0]: p.values[1] for p in PRODUCTION}


def test_explain_describes_a_plain_spec_command_and_nothing_else() -> None:
    from agentguard.analysis.spec import describe

    assert describe("nats stream rm ORDERS") == "spec queues.toml [program.nats] verb vocabulary ('rm')"
    assert describe("ls -la") is None
    assert describe("nats 'unterminated") is None


VOCABULARY_BEYOND_SPECS = [
    pytest.param("npm uninstall react", Kind.EXEC_MUTATE, id="npm-uninstall"),  # local removals: asked mutations
    pytest.param("npm r react", Kind.EXEC_MUTATE, id="npm-r-is-uninstall"),
    pytest.param("npm rb", Kind.EXEC_BUILD, id="npm-rb-is-rebuild"),
    pytest.param("npm publish --access public", Kind.SERVICE_DESTROY, id="npm-publish"),
    pytest.param("npm dist-tag rm shop beta", Kind.EXEC_MUTATE, id="npm-dist-tag-rm"),
    pytest.param("npm install delete-empty", Kind.EXEC_BUILD, id="npm-package-named-like-a-verb"),
    pytest.param("pnpm prune", Kind.EXEC_MUTATE, id="pnpm-prune"),
    pytest.param("yarn add lodash", Kind.EXEC_BUILD, id="yarn-add"),
    pytest.param("pip uninstall -y requests", Kind.EXEC_MUTATE, id="pip-uninstall"),
    pytest.param("pip install requests", Kind.EXEC_BUILD, id="pip-install"),
    pytest.param("java -jar jenkins-cli.jar -s http://ci delete-job nightly", Kind.SERVICE_DESTROY, id="jenkins-jar"),
    pytest.param("java -jar app.jar", Kind.EXEC_BUILD, id="any-other-jar"),
    pytest.param("journalctl -u nginx -f", Kind.READ, id="journalctl-reads"),
    pytest.param("aliyun ecs DeleteInstance --InstanceId i-1", Kind.SERVICE_DESTROY, id="camel-case-verb"),
    pytest.param("rabbitmqctl delete_queue orders", Kind.SERVICE_DESTROY, id="underscored-verb"),
    pytest.param("gh label remove-tag x", Kind.CLOUD_WRITE, id="removing-a-tag-is-not-destroying"),
    pytest.param("auth0 apps delete --help", Kind.READ, id="help-deletes-nothing"),
    pytest.param("consul acl token delete -id 1", Kind.SERVICE_DESTROY, id="nouns-then-the-verb-past-depth"),
    pytest.param("gh repo deploy-key delete 12", Kind.SERVICE_DESTROY, id="a-dashed-noun-then-the-verb"),
    pytest.param("gh project item-delete 1 --id x", Kind.SERVICE_DESTROY, id="a-verb-at-the-end-of-a-dashed-word"),
    pytest.param("gh repo view delete-me", Kind.READ, id="a-name-after-a-verb-is-a-name"),
    pytest.param("doctl compute droplet delete --help", Kind.READ, id="help-before-a-hook"),
]


@pytest.mark.parametrize(("command", "kind"), VOCABULARY_BEYOND_SPECS)
def test_one_vocabulary_for_every_program(command: str, kind: Kind) -> None:
    assert [e.kind for e in analyze_command(command, "/tmp")] == [kind]
