"""Credential stores: which paths hold secrets, and which commands read them.

The analysis names a read of one as `secret.read` (asked by default) so that a policy can judge it, and so that
flows.py can see a secret reach a network send on the same line. Matching is by the path's tail, whatever the
home directory: `/home/alice/.aws/credentials` is as secret as `~/.aws/credentials`.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Iterable

from agentguard.analysis import paths
from agentguard.analysis.types import Invocation, Word
from agentguard.analysis.watch import READERS as READERS
from agentguard.models import Effect, Kind

# Directories whose every file is a credential (or a cache of one).
SECRET_DIRS = (
    ".ssh", ".aws", ".gnupg", ".config/gcloud", ".azure", ".kube", ".password-store", ".docker",
    ".config/gh", ".config/hub", "Library/Keychains", ".terraform.d", ".vault-token", ".cargo/credentials",
)  # fmt: skip
# Files in those directories that hold no secret: public keys, host lists, settings.
PUBLIC_IN_SECRET_DIRS = ("*.pub", "known_hosts", "known_hosts.old", "config", "authorized_keys", "*.md")
SECRET_DIR_CONFIGS = (".kube/config", ".docker/config.json", ".ssh/config", ".config/containers/auth.json",
                      "containers/auth.json", ".config/rclone/rclone.conf", ".m2/settings.xml",
                      ".gradle/gradle.properties", ".gem/credentials", ".config/op/config",
                      ".terraformrc", ".config/hub", "Login Data", "Cookies", "logins.json", "key4.db")  # fmt: skip
SECRET_NAMES = (
    ".env", ".env.*", "*.env", ".envrc", ".netrc", "_netrc", ".npmrc", ".pypirc", ".git-credentials", ".pgpass",
    ".my.cnf", ".boto", ".s3cfg", "*key*.pem", "*priv*.pem", "id_*.pem", "*.key", "*.p12", "*.pfx", "*.jks",
    "*.keystore", "*.kdbx",
    "*.keychain", "*.keychain-db", "id_rsa", "id_rsa.*", "id_dsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519",
    "id_ed25519.*", "credentials", "credentials.json", "credentials.db", "access_tokens.db",
    "application_default_credentials.json", "secrets.yml", "secrets.yaml", "secrets.json", "master.key",
    "*.tfstate", "shadow", "gshadow", "hosts.yml", "*token*.json", "service-account*.json",
)  # fmt: skip
# Shell and REPL histories: tokens typed on command lines end up there; sent away, they leak (flows.py).
HISTORIES = ("/.bash_history", "/.zsh_history", "/.history", "/.python_history", "/.psql_history",
             "/.mysql_history", "/.node_repl_history", "/.sqlite_history")  # fmt: skip
TEMPLATES = (".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults", "*.pub")
PACKERS = frozenset("tar zip 7z cp scp rsync mv".split())
PATTERN_FIRST = frozenset("grep egrep fgrep rg ag ack zgrep awk gawk sed jq yq".split())
SECRET_VARIABLE = re.compile(r"(?i)(secret|token|passw|api_?key|access_?key|private|credential|auth)")


def is_secret(path: str) -> bool:
    """Whether `path` (absolute or as written; a glob pattern is matched as text) names a credential store."""
    text = path.replace("\\", "/").rstrip("/")
    if re.fullmatch(r"/proc/[^/]+/environ", text):  # a process's environment: its tokens
        return True
    name = text.rsplit("/", 1)[-1]
    if any(fnmatch.fnmatchcase(name, t) for t in TEMPLATES):
        return False
    if any(fnmatch.fnmatchcase(name, p) for p in SECRET_NAMES) and name not in ("config",):
        return not (name == "hosts.yml" and "/gh/" not in text)
    padded = "/" + text
    for tail in SECRET_DIR_CONFIGS:
        if padded.endswith("/" + tail):
            return tail != ".ssh/config"
    for directory in SECRET_DIRS:
        marker = "/" + directory
        if padded.endswith(marker):
            return True  # the directory itself: everything in it goes with it
        if marker + "/" in padded:
            return not any(fnmatch.fnmatchcase(name, p) for p in PUBLIC_IN_SECRET_DIRS)
    return False


# Concrete names a glob is tried against: `cat .env?`, `cat ~/.ssh/id_*` name a secret whatever matches today.
GLOB_PROBES = (".env", ".env.local", ".env.production", "id_rsa", "id_ed25519", "credentials", "server.key",
               "privkey.pem", "key.pem", "private-key.pem",
               ".netrc", ".npmrc", ".pgpass", ".git-credentials", "secrets.yml")  # fmt: skip


def may_name_secret(pattern: str) -> bool:
    """Whether a glob that matched nothing could match a credential store once it exists."""
    head, _, name = pattern.replace("\\", "/").rpartition("/")
    if name.startswith(".env") and not any(fnmatch.fnmatchcase(name, t) for t in TEMPLATES):
        return True  # `.env?`, `.env*`: a dotenv file by any suffix
    return any(fnmatch.fnmatchcase(probe, name) and is_secret(f"{head}/{probe}") for probe in GLOB_PROBES)


# What a credential looks like inside a file, whatever the file is called (`cat innocent-key`).
CREDENTIAL_TEXT = re.compile(
    rb"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----|aws_secret_access_key\s*=|\bAKIA[0-9A-Z]{16}\b|\bghp_[A-Za-z0-9]{36}"
    rb"|\bxox[bpa]-[A-Za-z0-9-]{10,}|\bsk_live_[A-Za-z0-9]{16,}|\bglpat-[A-Za-z0-9_-]{20}"
)


def holds_credential(path: str) -> bool:
    """Whether a file's first 4 KiB hold a private key or a token (a key copied or renamed is still a key)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # never a fifo, device or socket: opening one can block
            return False
        with open(path, "rb") as handle:
            return CREDENTIAL_TEXT.search(handle.read(4096)) is not None
    except (OSError, ValueError):
        return False


def _names_secret(text: str) -> bool:
    """Whether text that could not be expanded mentions a credential store by path."""
    return any(is_secret(t) for t in re.split(r"[\s'\"`$(){};|&<>]+", text) if "/" in t or t.startswith("."))


def secrets_under(directory: str, limit: int = 400) -> str | None:
    """The first secret file in a directory tree (looked at up to `limit` entries), for `tar cf - certs`."""
    seen = 0
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if d not in ("node_modules", ".git", ".venv", "venv", "__pycache__")]
        for name in [*dirs, *files]:
            seen += 1
            full = os.path.join(root, name)
            if is_secret(full):
                return full
            if seen >= limit:
                return None
    return None


def read_effects(words: Iterable[Word], inv: Invocation, detail: str, *, packs: bool = False) -> list[Effect]:
    """`secret.read` for every operand that names a credential store. With `packs` (tar, zip, cp -r, scp -r), a
    directory holding one is a plain read that carries the secret's path in its context, for flows.py: packing
    the project is ordinary, sending the pack away is not."""
    effects: list[Effect] = []
    for word in words:
        if not word.known and _names_secret(word.why):  # `cat $(echo ~/.aws/credentials)`: named in the $(…)
            effects.append(Effect.make(Kind.SECRET_READ, word.why[:80], detail, source=inv.source))
            continue
        if not word.known or not word.text or word.text.startswith("-"):
            continue
        text = word.text.rsplit("@", 1)[-1] if word.text.startswith(("@", "<")) or "=@" in word.text else word.text
        found = paths.resolve(Word(text, glob=word.glob), inv.cwd) or []
        hit = next((t.path for t in found if is_secret(t.path) or is_secret(t.real)
                    or (t.pattern and may_name_secret(t.path))), None)  # fmt: skip
        hit = hit or next((t.path for t in found if t.exists and not t.is_dir and holds_credential(t.real)), None)
        if hit is not None:
            effects.append(Effect.make(Kind.SECRET_READ, hit, detail, source=inv.source, path=hit))
            continue
        held = next((s for t in found if packs and t.is_dir and (s := secrets_under(t.real)) is not None), None)
        held = held or next((t.path for t in found if t.path.endswith(HISTORIES)), None)
        if held is not None:
            effects.append(Effect.make(Kind.READ, word.text, "packs a directory that holds a secret",
                                       source=inv.source, context={"holds_secret": held}))  # fmt: skip
    return effects


def secret_variables(inv: Invocation) -> list[Effect]:
    """`printenv AWS_SECRET_ACCESS_KEY`: prints a credential held in the environment."""
    names = [w.text for w in inv.args if not w.text.startswith("-") and SECRET_VARIABLE.search(w.text)]
    return [Effect.make(Kind.SECRET_READ, f"${n}", "prints a secret from the environment", source=inv.source)
            for n in names]  # fmt: skip


def git_staging(inv: Invocation) -> list[Effect]:
    """`git add -f .env`, `git stash push ~/.aws/credentials`: a credential store put into history, which a push
    then sends away."""
    operands = [w for w in inv.args if not w.text.startswith("-")]
    if not operands or operands[0].text not in ("add", "stage"):
        return []
    return read_effects(operands[1:], inv, "git adds a credential store to the repository")


def reader_effects(inv: Invocation) -> list[Effect]:
    """The secrets a reading program's operands name (`cat ~/.aws/credentials`, `tar cf - ~/.ssh`)."""
    if inv.name == "printenv":
        return secret_variables(inv)
    if inv.name in KEYCHAIN_READS:
        return keychain(inv)
    printed = credential_printer(inv)
    if printed:
        return printed
    if hunts_secrets(inv):
        return [Effect.make(Kind.SECRET_READ, inv.name, f"{inv.name} searches for credentials", source=inv.source)]
    if inv.name in ("source", "."):  # loads the secrets into the shell: a source for flows.py, not a print
        found = read_effects(inv.args[:1], inv, "loads a credential store into the environment")
        return [Effect.make(Kind.READ, e.target, e.detail, source=inv.source, context={"holds_secret": e.target})
                for e in found]  # fmt: skip
    words = list(inv.args)
    if inv.name == "dd":
        words = [Word(w.text[3:], w.known, w.why, w.glob) for w in words if w.text.startswith("if=")]
    elif inv.name in PATTERN_FIRST and not any(w.text in ("-e", "-f", "--regexp", "--file") for w in words):
        operands = [w for w in words if not w.text.startswith("-")]
        words = [w for w in words if w is not (operands[0] if operands else None)]
    return read_effects(words, inv, f"{inv.name} reads a credential store", packs=inv.name in PACKERS)


# macOS `security` and other keychain tools: the verbs that print or export stored secrets.
KEYCHAIN_READS = {
    "security": ("dump-keychain", "find-generic-password", "find-internet-password", "export"),
    "secret-tool": ("lookup", "search"),
    "pass": ("show", "otp"),
    "gopass": ("show", "cat"),
}


# Commands that print a credential (a secret manager's value, a token): (program, words that must appear in
# order among its operands, flags of which one must be given, if any).
CREDENTIAL_PRINTERS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("aws", ("configure", "get"), ()), ("aws", ("configure", "export-credentials"), ()),
    ("aws", ("sts", "get-session-token"), ()), ("aws", ("sts", "assume-role"), ()),
    ("aws", ("ecr", "get-login-password"), ()), ("aws", ("secretsmanager", "get-secret-value"), ()),
    ("aws", ("ssm", "get-parameter"), ("--with-decryption",)),
    ("aws", ("ssm", "get-parameters"), ("--with-decryption",)),
    ("gcloud", ("auth", "print-access-token"), ()), ("gcloud", ("auth", "print-identity-token"), ()),
    ("gcloud", ("auth", "application-default", "print-access-token"), ()),
    ("gcloud", ("secrets", "versions", "access"), ()), ("gh", ("auth", "token"), ()),
    ("gh", ("auth", "status"), ("--show-token", "-t")), ("az", ("account", "get-access-token"), ()),
    ("az", ("keyvault", "secret", "show"), ()), ("kubectl", ("config", "view"), ("--raw",)),
    ("kubectl", ("get", "secret"), ("-o", "--output", "-ojson", "-oyaml", "-o=json", "-o=yaml")),
    ("kubectl", ("get", "secrets"), ("-o", "--output", "-ojson", "-oyaml", "-o=json", "-o=yaml")),
    ("vault", ("read",), ()), ("vault", ("kv", "get"), ()), ("op", ("read",), ()), ("op", ("item", "get"), ()),
    ("doppler", ("secrets",), ()), ("heroku", ("config",), ()), ("gpg", (), ("--export-secret-keys",
    "--export-secret-subkeys")), ("npm", ("token", "list"), ()), ("docker-credential-desktop", ("get",), ()),
    ("docker-credential-osxkeychain", ("get",), ()),
)  # fmt: skip


def credential_printer(inv: Invocation) -> list[Effect]:
    """`gh auth token`, `aws configure get aws_secret_access_key`, `kubectl get secret x -o yaml` …"""
    texts = [w.text for w in inv.args]
    operands = [t for t in texts if not t.startswith("-")]
    for name, words, flags in CREDENTIAL_PRINTERS:
        if name != inv.name or not _in_order(words, operands):
            continue
        if flags and not any(t == f or t.startswith(f + "=") or (t.startswith(f) and f in ("-o",)) for t in texts
                             for f in flags):  # fmt: skip
            continue
        what = f"{inv.name} {' '.join(words)}".strip()
        if inv.name == "gpg":  # private keys out of the keyring: as secret as ~/.gnupg itself
            return [Effect.make(Kind.SECRET_READ, what, "gpg exports private keys", source=inv.source)]
        # Secret managers are read on purpose (`aws ecr get-login-password | docker login`, `vault kv get`):
        # a source for flows.py, so sending what they print away is exfiltration, not an ask of its own.
        return [Effect.make(Kind.READ, what, f"{inv.name} prints a credential", source=inv.source,
                            context={"holds_secret": what})]  # fmt: skip
    return []


def _in_order(words: tuple[str, ...], operands: list[str]) -> bool:
    """Whether `words` appear among `operands` in this order (values of options may sit between them)."""
    position = 0
    for word in words:
        if word not in operands[position:]:
            return False
        position = operands.index(word, position) + 1
    return True


# Search patterns that hunt for credentials: key ids, private key headers, token prefixes.
HUNTED = re.compile(r"AKIA|ASIA|PRIVATE KEY|ghp_|gho_|github_pat_|xox[abpr]-|sk_live_|sk-[A-Za-z0-9]|AIza|glpat-")


def hunts_secrets(inv: Invocation) -> bool:
    """`grep -r AKIA ~`, `rg 'BEGIN .*PRIVATE KEY' /`: a search for credentials, wherever it looks."""
    return inv.name in PATTERN_FIRST and any(w.known and HUNTED.search(w.text) for w in inv.args)


def keychain(inv: Invocation) -> list[Effect]:
    """`security dump-keychain`, `secret-tool lookup …`, `pass show …`: a credential printed from a keychain."""
    verbs = KEYCHAIN_READS.get(inv.name, ())
    operands = [w.text for w in inv.args if not w.text.startswith("-")]
    bare_pass = inv.name in ("pass", "gopass") and len(operands) == 1 and operands[0] not in ("ls", "list")
    if not (operands and operands[0] in verbs) and not bare_pass:
        return []
    # `security find-generic-password` shows an item's attributes; -w/-g print its secret, -d dumps data.
    reveal = {"dump-keychain": "d", "find-generic-password": "wg", "find-internet-password": "wg"}.get(operands[0])
    flags = "".join(w.text[1:] for w in inv.args if w.text.startswith("-") and not w.text.startswith("--"))
    if inv.name == "security" and reveal is not None and not set(reveal) & set(flags):
        return []
    return [Effect.make(Kind.SECRET_READ, f"{inv.name} {operands[0]}", f"{inv.name} prints stored credentials",
                        source=inv.source)]  # fmt: skip
