"""gh (GitHub) and glab (GitLab): pull requests and issues are ordinary work; deleting repositories, releases,
secrets, variables and the like is `service.destroy`; `api` calls are judged by their HTTP method or GraphQL
mutation. The repository (`-R`, GH_REPO) and host go into the context.
"""

from __future__ import annotations

import re

from agentguard.analysis.infra.cli import effect, unknown_words
from agentguard.analysis.spec.engine import Reading, read
from agentguard.analysis.spec.model import Program
from agentguard.analysis.types import Context, Invocation
from agentguard.models import Effect, Kind

W, R, D = Kind.CLOUD_WRITE, Kind.READ, Kind.SERVICE_DESTROY
X = Kind.EXEC_PROGRAM

# gh's own command groups: any other first word runs an extension, which is not analysed.
GH_GROUPS = frozenset(
    """pr issue repo release run workflow secret variable label gist api auth browse cache codespace config
    extension gpg-key ssh-key org project ruleset search status alias attestation completion copilot help
    version agent-task preview""".split()
)
DESTROYING_MUTATION = re.compile(r"\b(delete|remove|destroy|purge|archive)\w*", re.IGNORECASE)


def gh(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    if r.verbs[:1] == ("repo",) and r.operands and not r.context.get("repo"):
        r.context["repo"] = r.operands[0]
    group = r.verbs[0] if r.verbs else ""
    if group == "api":
        return _api(program, inv, r.parsed.words[1:2], r.context)
    if group and group not in GH_GROUPS and r.parsed.positionals[0].known:
        return [effect(X, f"gh {group}", f"runs the gh extension {group} (not analysed)", inv, r.context)]
    if r.verbs[:2] == ("repo", "edit") and (r.parsed.opt("--visibility") or "").lower() == "public":
        return [
            effect(D, f"repository {r.context.get('repo') or 'current'}", "makes a repository public", inv, r.context)
        ]
    if r.verbs[:2] == ("repo", "delete") and not r.operands:
        return [
            effect(
                D, f"repository {r.context.get('repo') or '(the current one)'}", "deletes a repository", inv, r.context
            )
        ]
    return None


def glab(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    if r.verbs[:1] == ("repo",) and r.operands and not r.context.get("repo"):
        r.context["repo"] = r.operands[0]
    if r.verbs[:1] == ("api",):
        return _api(program, inv, r.parsed.words[1:2], r.context)
    return None


def _api(
    program: Program, inv: Invocation, endpoint_words: tuple[str, ...], context: dict[str, str | None]
) -> list[Effect]:
    """`gh api`/`glab api`: -X decides; fields without -X make a POST; a GraphQL mutation is judged by its name."""
    r = read(program, inv)
    endpoint = endpoint_words[0] if endpoint_words else "?"
    fields = r.parsed.opts("-f", "-F", "--field", "--raw-field")
    bad = unknown_words([*r.parsed.positionals[1:2], r.parsed.opt_word("-X", "--method")], "the API call", inv)
    if bad:
        return bad
    method = (r.parsed.opt("-X", "--method") or ("POST" if fields or r.parsed.opt("--input") else "GET")).upper()
    if endpoint == "graphql":
        query = " ".join(w.text for w in fields)
        if any(not w.known for w in fields):
            return unknown_words(fields, "the GraphQL query", inv)
        if "mutation" not in query:
            return [effect(R, "GraphQL API", "GraphQL query", inv, context)]
        destroying = DESTROYING_MUTATION.search(query.split("mutation", 1)[1])
        kind = D if destroying else W
        return [
            effect(
                kind, "GraphQL API", f"GraphQL mutation{' ' + destroying.group(0) if destroying else ''}", inv, context
            )
        ]
    if method in ("GET", "HEAD", "OPTIONS"):
        return [effect(R, f"API {endpoint}", f"{inv.name} api {method}", inv, context)]
    kind = D if method == "DELETE" else W
    return [effect(kind, f"API {endpoint}", f"{inv.name} api {method}", inv, context)]
