"""What an unmodelled program does, by name: reads, tests, builds, or something we cannot see into.

This only classifies commands no family handler claims. A name missing here is `exec.program`: allowed in
normal mode (an agent runs its own scripts all day), refused in plan mode and asked in freeze mode.
"""

from __future__ import annotations

from agentguard.models import Kind

READ_PROGRAMS = frozenset(
    """
    ls ll la dir vdir cat tac head tail less more most bat batcat nl wc grep egrep fgrep rg ag ack zgrep
    zcat bzcat xzcat zless echo printf pwd which whereis type whoami id groups hostname uname uptime date cal
    env printenv locale stat file du df free ps pstree top htop btop pgrep pidof lsof ss netstat ip ifconfig
    tree realpath readlink basename dirname diff cmp comm colordiff jq yq xq fx column cut tr uniq fold fmt
    paste join expand unexpand od xxd hexdump strings nm objdump readelf ldd md5sum sha1sum sha256sum
    sha512sum b2sum cksum base32 base64 true false test [ [[ : sleep wait seq yes expr bc dc factor
    man info help apropos whatis tldr history alias jobs fg bg times umask ulimit getconf nproc lscpu lsblk
    lsusb lspci dmesg journalctl last w who finger dig nslookup host ping traceroute tracepath mtr whois
    curlie httpie xdg-open open tput clear reset stty tty column locate mlocate fd fdfind fzf watch
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
    mix rebar3 stack cabal ghc dune opam go gofmt rustc rustup gcc g++ cc c++ clang clang++ ld as javac java
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
