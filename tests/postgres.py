"""A throw-away PostgreSQL server for tests and benchmarks: Debian's binaries, a cluster in a temporary folder.

    with PostgresServer.start() as server:
        url = server.create_database("t1")      # postgresql+psycopg://postgres@127.0.0.1:PORT/t1

As root, initdb and postgres refuse to run, so they run as the `postgres` user (made by Debian's package) and the
folder is handed to it. The server listens on a free loopback port, with its unix socket inside the folder, and is
stopped and deleted at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SKIP_ENV = "SPECCHAIN_SKIP_POSTGRES"  # set to 1 to skip the PostgreSQL half of the store tests on a laptop
MISSING = ("PostgreSQL's server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin. "
           "Install them with `apt-get install -y postgresql` (README's test command does), or set "
           f"{SKIP_ENV}=1 to skip the PostgreSQL store tests locally.")


def find_bin_dir() -> Path | None:
    if explicit := os.environ.get("SPECCHAIN_PG_BIN"):
        return Path(explicit)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self, bin_dir: Path, root: Path, port: int, as_user: list[str]) -> None:
        self.bin_dir, self.root, self.port, self._as_user = bin_dir, root, port, as_user

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self._as_user, *args], check=check, capture_output=True, text=True, timeout=120)

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = self._run(str(self.bin_dir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h",
                         "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-c", sql)
        return done.stdout

    def create_database(self, name: str) -> str:
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop",
                  check=False)

    @classmethod
    @contextmanager
    def start(cls, *, durable: bool = False) -> Iterator[PostgresServer]:
        """durable=False turns fsync off (tests); the benchmark keeps PostgreSQL's defaults."""
        bin_dir = find_bin_dir()
        if bin_dir is None or not (bin_dir / "initdb").exists():
            raise RuntimeError(MISSING)
        root = Path(tempfile.mkdtemp(prefix="specchain-pg-"))
        as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(root, "postgres")
        server = cls(bin_dir, root, free_port(), as_user)
        options = [f"-p {server.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={root}",
                   "-c max_connections=200", "-c shared_buffers=64MB"]
        if not durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        try:
            server._run(str(bin_dir / "initdb"), "-D", str(server.data_dir), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--locale=C.UTF-8")
            server._run(str(bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-l", str(root / "server.log"),
                        "-o", " ".join(options), "-w", "-t", "60", "start")
        except subprocess.CalledProcessError as error:
            log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"PostgreSQL didn't start: {error.stderr or error.stdout}\n{log}") from error
        try:
            yield server
        finally:
            server.stop()
            shutil.rmtree(root, ignore_errors=True)
