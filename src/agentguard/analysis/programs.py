"""What an unmodelled program does, by name: reads, tests, builds, or something we cannot see into.

This only classifies commands no family handler claims. A name missing here is `exec.program`: allowed in
normal mode (an agent runs its own scripts all day), refused in plan mode and asked in freeze mode, unless its
words name a destroying verb (`fastly backend delete`): then it is `exec.mutate` (verbs.py), asked by default.
A build tool's subcommand that ships or removes packages (`mvn deploy`, `poetry publish`, `pip uninstall`) is
`exec.mutate` too; its other subcommands stay builds.
"""

from __future__ import annotations

import re

from agentguard.analysis.types import Context, Handler, Invocation
from agentguard.models import Effect, Kind

READ_PROGRAMS = frozenset(
    """
    ls ll la dir vdir cat tac head tail less more most bat batcat nl wc grep egrep fgrep rg ag ack zgrep
    zcat bzcat xzcat zless echo printf pwd which whereis type whoami id groups hostname uname uptime date cal
    env printenv locale stat file du df free ps pstree top htop btop pgrep pidof lsof ss netstat
    tree realpath readlink basename dirname diff cmp comm colordiff jq yq xq fx column cut tr uniq fold fmt
    paste join expand unexpand od xxd hexdump strings nm objdump readelf ldd md5sum sha1sum sha256sum
    sha512sum b2sum cksum base32 base64 true false test [ [[ : sleep wait seq yes expr bc dc factor
    man info help apropos whatis tldr history alias jobs fg bg times umask ulimit getconf nproc lscpu lsblk
    lsusb lspci dmesg journalctl last w who finger dig nslookup host ping traceroute tracepath mtr whois
    curlie xdg-open open tput clear reset stty tty column locate mlocate fd fdfind fzf watch
    git-lfs sqlite3_analyzer shellcheck hadolint yamllint jsonlint tokei cloc scc wc sort uniq tsort
    awk gawk mawk nawk sed look rev shuf numfmt iconv dos2unix-check envsubst getent id logname users
    gpg-agent ssh-add keychain glow mdcat pandoc-version printenv read set shopt unset declare local
    """.split()
)

TEST_PROGRAMS = frozenset(
    """
    pytest py.test tox nox jest vitest mocha ava karma jasmine playwright cypress phpunit pest rspec minitest
    ctest go-test bats shunit2 eslint tslint prettier-check stylelint ruff flake8 pylint mypy pyright
    pyre pytype bandit black-check isort-check rubocop golangci-lint staticcheck govet clippy cargo-clippy
    ktlint detekt checkstyle spotbugs shellcheck hadolint markdownlint tsc vue-tsc svelte-check biome
    oxlint semgrep codespell actionlint
    """.split()
)

BUILD_PROGRAMS = frozenset(
    """
    make gmake cmake ninja meson bazel bazelisk buck gradle gradlew mvn mvnw ant sbt lein clojure clj
    cargo mix rebar3 stack cabal ghc dune opam go gofmt rustc rustup gcc g++ cc c++ clang clang++ ld as javac java
    kotlinc scalac dotnet msbuild nuget swift swiftc xcodebuild pod carthage flutter dart pub composer
    bundle bundler gem pip pip3 pipx poetry pdm hatch rye conda mamba micromamba virtualenv pyenv nvm fnm
    volta corepack npx bunx pnpx tsx ts-node esbuild webpack vite rollup parcel turbo nx lerna rush
    babel swc tsup next nuxt astro gatsby ng vue-cli-service react-scripts expo eas storybook prettier
    black isort autopep8 yapf rustfmt gofmt goimports clang-format terraform-docs protoc buf sphinx-build
    mkdocs jekyll hugo zola pandoc latexmk pdflatex xelatex asdf mise direnv pre-commit husky lefthook
    maturin setuptools wheel twine-check cython nasm yasm pkg-config autoreconf autoconf automake
    libtoolize configure docker-buildx buildah kaniko ko skaffold tilt jupyter ipython code cursor vim vi
    nvim nano emacs ed ex
    """.split()
)


def classify(name: str) -> Kind:
    """The kind of effect running `name` has when no handler models it more precisely."""
    if name in READ_PROGRAMS:
        return Kind.READ
    if name in TEST_PROGRAMS:
        return Kind.EXEC_TEST
    if name in BUILD_PROGRAMS:
        return Kind.EXEC_BUILD
    return Kind.EXEC_PROGRAM


# Subcommands of build tools and package managers that publish, deploy or remove what others depend on.
SHIPPING_VERBS = frozenset(
    "publish unpublish deploy undeploy uninstall delete purge destroy drop prune yank deprecate".split()
)


def verb_effects(kind: Kind, inv: Invocation) -> list[Effect]:
    """What an unmodelled program's verbs add: any destroying verb for an unknown program, a shipping
    subcommand for a build tool; nothing for reads and checks (their words are patterns and file names)."""
    if kind == Kind.EXEC_PROGRAM:
        from agentguard.analysis import verbs

        return verbs.unmodelled_list(inv)
    if kind == Kind.EXEC_BUILD:
        return shipping(inv)
    return []


def shipping(inv: Invocation) -> list[Effect]:
    """`mvn deploy`, `poetry publish`, `npm unpublish`, `pip3 uninstall x`: the subcommand ships or removes."""
    words = [w.text for w in inv.args if not w.text.startswith("-")][:2]
    verb = next((w for w in words if w in SHIPPING_VERBS or w.split(":")[-1] in SHIPPING_VERBS), None)
    if verb is None:
        return []
    return [Effect.make(Kind.EXEC_MUTATE, f"{inv.name} {verb}", f"{inv.name} {verb} publishes or removes packages",
                        source=inv.source)]  # fmt: skip


# fzf's actions that run a command on the selection: `--bind 'enter:execute(rm {})'`, `become(…)`.
FZF_RUNS = re.compile(r"(?:execute|execute-silent|become|reload|reload-sync)[(\[{<](.*?)[)\]}>](?:\+|,|$)")
FZF_FIELD = re.compile(r"\{[^{}\s]*\}")


def fzf_actions(inv: Invocation) -> list[str]:
    """The shell code fzf's key bindings run, with the selection (`{}`, `{+}`, `{q}`) as an unknown value."""
    found: list[str] = []
    for i, word in enumerate(inv.args):
        text = word.text
        value = text.split("=", 1)[1] if text.startswith("--bind=") else (
            inv.args[i + 1].text if text == "--bind" and i + 1 < len(inv.args) else "")  # fmt: skip
        for match in FZF_RUNS.finditer(value):
            found.append(FZF_FIELD.sub('"$__fzf_selection"', match.group(1)))
    return found


# ---- package scripts: `npm run X` runs the shell code package.json names X --------------------------------

NPM_SCRIPT_VERBS = {"run": None, "run-script": None, "rum": None, "urn": None, "test": "test", "t": "test",
                    "tst": "test", "start": "start", "stop": "stop", "restart": "restart"}  # fmt: skip
PACKAGE_MANAGER_VERBS = frozenset(
    """install i add remove rm uninstall un update up upgrade outdated audit ci init create dlx exec x why info
    view list ls link unlink pack publish login logout config cache store import dedupe prune rebuild patch
    version workspace workspaces set plugin bin dir help node env import""".split()
)


# Publishing cannot be taken back; with the spec vocabulary's destroying verbs (uninstall, prune, `dist-tag rm`,
# `config delete`) these ask, as they do for every other package manager (analysis/spec/programs/packages.toml).
PUBLISH_VERBS = frozenset({"publish", "unpublish", "deprecate", "undeprecate"})
# npm's own abbreviations, read before the vocabulary: `npm rb` rebuilds (rb is no bucket here), `npm r` removes.
NPM_ALIASES = {"rb": "rebuild", "r": "uninstall", "un": "uninstall", "unlink": "uninstall", "rm": "uninstall"}
# Groups whose second word is the verb (`npm dist-tag rm`); elsewhere the second word is a package name.
PACKAGE_GROUPS = frozenset({"config", "pkg", "dist-tag", "owner", "team", "access", "store", "token", "hook", "org"})


def package_script(inv: Invocation, ctx: Context) -> list[Effect]:
    """npm/yarn/pnpm: a script run (`npm run clean`, `yarn build`, `pnpm test`) is the package.json code it names
    (with its pre/post scripts); everything else is package management."""
    words = [w for w in inv.args if not w.text.startswith("-")]
    verb = words[0].text if words else ""
    if inv.name == "npm":
        if verb not in NPM_SCRIPT_VERBS:
            return _package_management(inv, [w.text for w in words[:2]])
        name = NPM_SCRIPT_VERBS[verb] or (words[1].text if len(words) > 1 else "")
    elif not verb or verb in PACKAGE_MANAGER_VERBS:
        return _package_management(inv, [w.text for w in words[:2]])
    else:
        name = words[1].text if verb == "run" and len(words) > 1 else verb
    from agentguard.analysis.tasks import stale

    scripts = _package_scripts(ctx, inv.cwd)
    kind = Kind.EXEC_TEST if name == "test" else Kind.EXEC_PROGRAM
    effects = [Effect.make(kind, name or inv.name, f"runs the package script {name}", source=inv.source)]
    effects += stale(ctx, inv, ["package.json"])
    if scripts is None or name not in scripts:
        return effects
    for key in (f"pre{name}", name, f"post{name}"):
        code = scripts.get(key)
        if isinstance(code, str):
            effects += ctx.shell(code, inv)
    return effects


def _package_management(inv: Invocation, verbs: list[str]) -> list[Effect]:
    from agentguard.analysis.spec.vocabulary import destroys

    if inv.name == "npm" and verbs:
        verbs = [NPM_ALIASES.get(verbs[0], verbs[0]), *verbs[1:]]
    said = f"{inv.name} {' '.join(verbs)}".strip()
    if verbs[:1] and verbs[0] in PUBLISH_VERBS:
        detail = f"{said}: changes what a public registry serves, which cannot be taken back"
        return [Effect.make(Kind.SERVICE_DESTROY, "packages", detail, source=inv.source)]
    if verbs and (destroys(verbs[0]) or (verbs[0] in PACKAGE_GROUPS and len(verbs) > 1 and destroys(verbs[1]))):
        return [Effect.make(Kind.EXEC_MUTATE, "packages", f"{said} removes", source=inv.source)]
    return [
        Effect.make(Kind.EXEC_BUILD, "packages", f"{inv.name} {verbs[0] if verbs else ''}".strip(), source=inv.source)
    ]


def _package_scripts(ctx: Context, cwd: str | None) -> dict[str, object] | None:
    import json

    text = ctx.read_text("package.json", cwd)
    if text is None:
        return None
    try:
        scripts = json.loads(text).get("scripts")
    except (ValueError, AttributeError):
        return None
    return scripts if isinstance(scripts, dict) else None


HANDLERS: dict[str, Handler] = {"npm": package_script, "yarn": package_script, "pnpm": package_script}
