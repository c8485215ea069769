"""gh (GitHub) and glab (GitLab): pull requests and issues are ordinary work; deleting repositories, releases,
secrets, variables and the like is `service.destroy`; `api` calls are judged by their HTTP method or GraphQL
mutation. The repository (`-R`, GH_REPO) and host go into the context.
"""

from __future__ import annotations

import re

from agentguard.analysis.infra.cli import effect, unknown_words
from agentguard.analysis.services.common import Tool, analyse, read
from agentguard.analysis.types import Context, Invocation
from agentguard.models import Effect, Kind

W, R, D = Kind.CLOUD_WRITE, Kind.READ, Kind.SERVICE_DESTROY
GIT, BUILD, X = Kind.GIT_WRITE, Kind.EXEC_BUILD, Kind.EXEC_PROGRAM

GH = Tool(
    name="gh",
    valued=frozenset(
        """-R --repo -b --body -t --title -F --body-file --field -f --raw-field -B --base -H --head -a --assignee
        -l --label -m --milestone -p --project -r --reviewer -L --limit -s --state -q --jq -T --template --json
        -X --method --header --hostname -n --notes --notes-file --target --branch -c --commit --workflow -j
        --job --ref -u --user -o --org --visibility -d --description --homepage --gitignore --license --source
        --remote --name -D --dir --pattern -e --env --app --search -S --author -A --sort --order --owner --input
        --cache --preview --match-title --subject --body-file -w --word""".split()
    ),
    context={"repo": ("-R", "--repo"), "host": ("--hostname",)},
    env={"repo": "GH_REPO", "host": "GH_HOST"},
    table={
        ("pr", "checkout"): (GIT, "checks out a pull request's branch"),
        ("repo", "clone"): (GIT, "clones a repository"),
        ("repo", "fork"): (W, "forks a repository"),
        ("repo", "archive"): (D, "archives a repository: it turns read-only for everyone"),
        ("run", "download"): (BUILD, "downloads run artifacts"),
        ("release", "download"): (BUILD, "downloads release assets"),
        ("extension",): (BUILD, "manages gh extensions"),
        ("codespace", "ssh"): (X, "opens a shell in a codespace"),
        ("auth",): (W, "gh auth"),
        ("auth", "status"): (R, "gh auth status"),
        ("status",): (R, "gh status"),
        ("completion",): (R, "gh completion"),
    },
)
GH_GROUPS = frozenset(
    """pr issue repo release run workflow secret variable label gist api auth browse cache codespace config
    extension gpg-key ssh-key org project ruleset search status alias attestation completion copilot help
    version agent-task preview""".split()
)

GLAB = Tool(
    name="glab",
    valued=frozenset(
        """-R --repo -g --group -b -t --title -d --description -l --label -a --assignee -m --milestone -s
        --source-branch --target-branch -X --method -f --field -F --raw-field -H --header --hostname -p --page
        -P --per-page -v --value -k --key -e --environment-scope --ref --name -o --output""".split()
    ),
    context={"repo": ("-R", "--repo"), "host": ("--hostname",)},
    env={"repo": "GITLAB_REPO", "host": "GITLAB_HOST"},
    table={
        ("mr", "checkout"): (GIT, "checks out a merge request's branch"),
        ("repo", "clone"): (GIT, "clones a repository"),
        ("repo", "archive"): (BUILD, "downloads a repository archive"),
        ("ci", "trace"): (R, "follows a job log"),
        ("auth",): (W, "glab auth"),
        ("check-update",): (R, "glab check-update"),
    },
)
DESTROYING_MUTATION = re.compile(r"\b(delete|remove|destroy|purge|archive)\w*", re.IGNORECASE)


def gh(inv: Invocation, ctx: Context) -> list[Effect]:
    r = read(GH, inv)
    if r.verbs[:1] == ("repo",) and r.operands and not r.context.get("repo"):
        r.context["repo"] = r.operands[0]
    group = r.verbs[0] if r.verbs else ""
    if group == "api":
        return _api(inv, r.parsed.words[1:2], r.context)
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
    return analyse(GH, inv, reading=r)


def glab(inv: Invocation, ctx: Context) -> list[Effect]:
    r = read(GLAB, inv)
    if r.verbs[:1] == ("repo",) and r.operands and not r.context.get("repo"):
        r.context["repo"] = r.operands[0]
    if r.verbs[:1] == ("api",):
        return _api(inv, r.parsed.words[1:2], r.context)
    return analyse(GLAB, inv, reading=r)


def _api(inv: Invocation, endpoint_words: tuple[str, ...], context: dict[str, str | None]) -> list[Effect]:
    """`gh api`/`glab api`: -X decides; fields without -X make a POST; a GraphQL mutation is judged by its name."""
    r = read(GH if inv.name == "gh" else GLAB, inv)
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
