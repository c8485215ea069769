"""A real PostgreSQL server for the snapshot tests (the `postgres_server` fixture in conftest.py): initdb +
pg_ctl in a temporary folder, on 127.0.0.1 and a free port, password authentication (scram), stopped and
removed at the end of the session.

scripts/install-test-deps.sh installs PostgreSQL from Debian when it is missing. Without it the PostgreSQL
tests fail when CI is set (CI must run them) and are skipped otherwise. initdb refuses to run as root: as
root the server runs as the `postgres` user, in a folder that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PASSWORD = "s3cret pass"  # a space, so the tests see it quoted and masked properly
USER = "agentguard"


@dataclass(frozen=True)
class PostgresServer:
    port: int
    password: str
    bindir: str

    def dsn(self, database: str, *, password: bool = True) -> str:
        secret = ":s3cret%20pass" if password else ""
        return f"postgresql://{USER}{secret}@127.0.0.1:{self.port}/{database}"

    def sql(self, database: str, statement: str) -> str:
        done = subprocess.run(
            [os.path.join(self.bindir, "psql"), "--no-psqlrc", "-At", "-v", "ON_ERROR_STOP=1",
             f"--dbname={self.dsn(database, password=False)}", "-c", statement],
            env={**os.environ, "PGPASSWORD": self.password}, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def orders_database(self, name: str, rows: int, *, config: Path, setting: str) -> str:
        """A fresh database `name` with `orders` (id, qty) of `rows` analysed rows, named by the user policy in
        `config` under `settings.<setting>` (a DSN without its password: libpq takes PGPASSWORD)."""
        self.sql("postgres", f"DROP DATABASE IF EXISTS {name}")
        self.sql("postgres", f"CREATE DATABASE {name}")
        self.sql(name, "CREATE TABLE orders (id serial PRIMARY KEY, qty int); INSERT INTO orders (qty) "
                 f"SELECT i FROM generate_series(1, {rows}) i; ANALYZE orders")  # fmt: skip
        config.mkdir(exist_ok=True)
        (config / "agentguard.toml").write_text(f'[settings]\n{setting} = ["{self.dsn(name, password=False)}"]\n')
        return name


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _bindir() -> str | None:
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return os.path.dirname(os.path.realpath(on_path))
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]), reverse=True)
    return os.path.dirname(found[0]) if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unavailable(why: str) -> None:
    if _in_ci():
        pytest.fail(f"PostgreSQL is needed in CI: {why} (scripts/install-test-deps.sh installs it)")
    pytest.skip(f"PostgreSQL unavailable: {why}")


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    bindir = _bindir()
    if bindir is None or not os.path.exists(os.path.join(bindir, "pg_ctl")):
        _unavailable("initdb/pg_ctl not found")
        raise AssertionError  # unreachable
    run_as: list[str] = []
    folder = tempfile.mkdtemp(prefix="agentguard-pg-")
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            _unavailable("running as root and there is no `postgres` user to run the server as")
        run_as = ["runuser", "-u", "postgres", "--"]
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data, pwfile, log = (os.path.join(folder, name) for name in ("data", "pw", "log"))
    with open(pwfile, "w") as handle:
        handle.write(PASSWORD + "\n")
    if run_as:
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    try:
        subprocess.run(
            [*run_as, os.path.join(bindir, "initdb"), "-D", data, "-U", USER, "--auth=scram-sha-256",
             f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync", "--no-instructions"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        with open(os.path.join(data, "postgresql.conf"), "a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\nfsync = off\n")
        subprocess.run(
            [*run_as, os.path.join(bindir, "pg_ctl"), "-D", data, "-l", log, "-w", "-t", "60", "start"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        tail = Path(log).read_text()[-2000:] if os.path.exists(log) else ""
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(f"the server did not start: {exc}: {detail.decode(errors='replace')} {tail}")
    try:
        yield PostgresServer(port, PASSWORD, bindir)
    finally:
        subprocess.run([*run_as, os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60, check=False)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
