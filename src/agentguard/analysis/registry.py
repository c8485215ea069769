"""Which module handles which command.

The table is static and the modules are imported on first use, because the hook runs on every tool call and
most commands need one family at most (sqlglot alone takes ~100 ms to import).
Each family module exposes `HANDLERS: dict[str, Handler]`; names here map to the module that has them.
Sub-command CLIs described as data are not listed here: their names come from the spec index
(analysis/spec/index.py, generated from analysis/spec/programs/*.toml).
"""

from __future__ import annotations

import importlib
from functools import cache

from agentguard.analysis.types import Context, Handler, Invocation
from agentguard.models import Effect

_FAMILIES: dict[str, tuple[str, ...]] = {
    "agentguard.analysis.files": (
        "rm",
        "rmdir",
        "unlink",
        "shred",
        "truncate",
        "dd",
        "mv",
        "cp",
        "ln",
        "install",
        "tee",
        "touch",
        "mkdir",
        "chmod",
        "chown",
        "chgrp",
        "setfacl",
        "sed",
        "rsync",
        "find",
        "mkfs",
        "wipefs",
        "fdisk",
        "sfdisk",
        "parted",
        "gdisk",
        "sgdisk",
        "mkswap",
        "tar",
        "unzip",
        "curl",
        "wget",
        "sort",
        "patch",
        "split",
        "csplit",
        "srm",
        "trash",
        "trash-put",
        "gio",
        "rimraf",
        "del",
        "del-cli",
        "awk",
        "gawk",
        "mawk",
        "nawk",
        "busybox-awk",
        "vim",
        "vi",
        "nvim",
        "ex",
        "ed",
        "emacs",
        "nano",
        "view",
        "fd",
        "fdfind",
        "sponge",
    ),
    "agentguard.analysis.system": (
        "kill",
        "killall",
        "pkill",
        "killall5",
        "shutdown",
        "reboot",
        "halt",
        "poweroff",
        "init",
        "telinit",
        "systemctl",
        "service",
        "crontab",
        "iptables",
        "ip6tables",
        "nft",
        "ufw",
        "userdel",
        "groupdel",
        "passwd",
        "swapoff",
        "umount",
        "losetup",
        "history",
        "diskutil",
    ),
    "agentguard.analysis.guard": ("agentguard", "pip", "pip3", "pipx"),
    "agentguard.analysis.programs": ("npm", "yarn", "pnpm"),
    "agentguard.analysis.tasks": ("make", "gmake", "just", "pytest", "py.test", "tox", "nox", "jest", "vitest"),
    "agentguard.analysis.git": ("git",),
    "agentguard.analysis.databases": (
        "sqlite3",
        "psql",
        "mysql",
        "mariadb",
        "duckdb",
        "mongosh",
        "mongo",
        "redis-cli",
        "dropdb",
        "dropuser",
        "mysqladmin",
        "prisma",
        "rails",
        "rake",
        "alembic",
        "knex",
        "sequelize",
        "sequelize-cli",
        "typeorm",
        "manage.py",
        "django-admin",
        "pg_restore",
        "mongorestore",
        "cqlsh",
        "clickhouse-client",
        "clickhouse",
        "influx",
        "etcdctl",
        "valkey-cli",
        "memcached-tool",
        "sqlcmd",
        "supabase",
        "drizzle-kit",
        "flyway",
        "liquibase",
        "createdb",
        "createuser",
        "mariadb-admin",
        "pg_dump",
        "pg_dumpall",
        "mysqldump",
        "mariadb-dump",
        "mongodump",
        "clickhouse-local",
        "typeorm-ts-node-commonjs",
        "typeorm-ts-node-esm",
        "diesel",
        "sqlx",
        "dbmate",
        "goose",
        "mix",
        "artisan",
    ),
    "agentguard.analysis.interpreters": (
        "python",
        "python3",
        "python2",
        "pypy",
        "pypy3",
        "node",
        "nodejs",
        "deno",
        "bun",
        "perl",
        "ruby",
        "php",
        "uv",
        "osascript",
        "awk",
        "gawk",
        "mawk",
        "nawk",
    ),
    "agentguard.analysis.cloud": (
        "aws",
        "gcloud",
        "gsutil",
        "az",
        "azcopy",
        "s3cmd",
        "rclone",
    ),
    "agentguard.analysis.infra": (
        "kubectl",
        "oc",
        "helm",
        "terraform",
        "tofu",
        "terragrunt",
        "pulumi",
        "docker",
        "podman",
        "docker-compose",
        "podman-compose",
        "nerdctl",
        "eksctl",
        "cdk",
        "serverless",
        "sls",
        "ansible",
        "ansible-playbook",
        "k9s",
    ),
    "agentguard.analysis.services": ("kafka-topics", "kafka-topics.sh", "restic", "borg", "s5cmd"),
}

_INDEX: dict[str, str] = {name: module for module, names in _FAMILIES.items() for name in names}


@cache
def _handlers(module: str) -> dict[str, Handler]:
    loaded = importlib.import_module(module)
    handlers: dict[str, Handler] = loaded.HANDLERS
    return handlers


def _not_analysed(inv: Invocation, ctx: Context) -> list[Effect]:
    return [Effect.unknown(f"agentguard does not analyse {inv.name} commands yet, so a human decides", inv.source)]


def canonical(name: str) -> str:
    """`mkfs.ext4` is mkfs, `python3.11` is python3, `pip3.12` is pip3: versions and variants share handlers."""
    if name.startswith("mkfs."):
        return "mkfs"
    stem = name.rstrip("0123456789.")
    if stem != name and stem in ("python", "python3", "pip", "pip3", "node", "ruby", "perl", "php", "pypy"):
        return stem
    return name


def handler_for(name: str) -> Handler | None:
    """The handler for a command name, importing its family module on first use; None if no family has it.
    Programs described as data (analysis/spec/programs/*.toml) come after the Python families."""
    name = canonical(name)
    module = _INDEX.get(name)
    if module is None:
        from agentguard.analysis import spec

        return spec.handler_for(name)
    try:
        return _handlers(module).get(name)
    except ModuleNotFoundError as exc:
        if exc.name != module:  # a dependency is missing: let the caller fail closed
            raise
        return _not_analysed  # a family not written yet: fail closed rather than let it pass as ordinary
