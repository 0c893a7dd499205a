"""Several Spec Chain Studio processes on one machine, behind nginx, sharing one PostgreSQL database.

    DATABASE_URL=postgresql://user:password@db:5432/specchain python deploy/launch.py

starts one `streamlit run app.py` per core on 127.0.0.1:8601, 8602, … and nginx on port 8501 in front of them
(deploy/nginx.conf.j2), keeps each browser on one process by a cookie, restarts a process that dies, and stops
everything on Ctrl-C. `python deploy/launch.py --help` lists the options.

From Python (tests, benchmarks):

    with Cluster(database_url, processes=2, port=free_port, first_port=...) as cluster:
        cluster.url             # nginx, e.g. http://127.0.0.1:8501
        cluster.processes       # AppProcess: name ("p1"), port, pid, url, log
        cluster.kill("p1")      # kill -9; cluster.restart("p1") starts it again on its port

Every process gets the same DATABASE_URL and the same Streamlit cookie secret (server.cookieSecret, passed in the
environment, never on the command line where `ps` shows it): SPECCHAIN_COOKIE_SECRET if set, else the file
~/.config/specchain/cookie-secret, made once with a random secret and 0600 permissions, outside the project folder
so that it is never committed.
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

import jinja2

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().with_name("nginx.conf.j2")
COOKIE = "specchain_process"  # nginx's affinity cookie: the name of the browser's process (p1, p2, …)
SECRET_ENV = "SPECCHAIN_COOKIE_SECRET"
DEFAULT_SECRET_FILE = Path("~/.config/specchain/cookie-secret")
FIRST_PORT, NGINX_PORT = 8601, 8501
START_TIMEOUT_S = 90.0


class LaunchError(RuntimeError):
    """Something the operator has to fix, said in a sentence."""


@dataclass
class AppProcess:
    """One `streamlit run app.py`."""

    name: str
    port: int
    host: str
    log: Path
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} is not started"
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


def cookie_secret(secret_file: Path | None = None) -> str:
    """SPECCHAIN_COOKIE_SECRET, else the secret in secret_file (made on first use, readable by its owner only)."""
    if secret := os.environ.get(SECRET_ENV, "").strip():
        return secret
    path = (secret_file or DEFAULT_SECRET_FILE).expanduser().resolve()
    if path.is_relative_to(ROOT):
        raise LaunchError(f"Keep the cookie secret outside the project folder ({path}), so that it is never "
                          "committed: choose another --cookie-secret-file.")
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another launcher made it first: use theirs
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(32) + "\n")
    if path.stat().st_mode & 0o077:
        raise LaunchError(f"The cookie secret {path} can be read by other users: run `chmod 600 {path}`.")
    secret = path.read_text().strip()
    if not secret:
        raise LaunchError(f"The cookie secret file {path} is empty: delete it and a new secret is made.")
    return secret


def render_nginx(processes: Sequence[AppProcess], *, listen: str, run_dir: Path, secure_cookie: bool = False,
                 user: str | None = None) -> str:
    """deploy/nginx.conf.j2 for these processes."""
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                     keep_trailing_newline=True, autoescape=False)
    template = environment.from_string(TEMPLATE.read_text())
    return template.render(processes=processes, listen=listen, run_dir=run_dir, cookie=COOKIE, user=user,
                           cookie_flags="; Secure" if secure_cookie else "")


def nginx_user() -> str | None:
    """As root, nginx's workers run as nobody, in nobody's own group (nogroup on Debian: nginx's default, a group
    named nobody, doesn't exist there). They open no file: the master opens the logs."""
    if os.geteuid() != 0:
        return None
    nobody = pwd.getpwnam("nobody")
    return f"nobody {grp.getgrgid(nobody.pw_gid).gr_name}"


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


class Cluster:
    """N app processes on this machine and nginx in front of them. Start with `with Cluster(...)` or start()/stop().

    database_url: PostgreSQL, shared by every process (default: DATABASE_URL). processes: how many (default: one
    per core), on ports first_port, first_port + 1, … (or exactly `ports`). port/host: where nginx listens.
    env: more environment for the app processes; streamlit_flags: more `streamlit run` flags (e.g. the agent API's).
    run_dir: nginx's configuration, pid, logs and the processes' logs (default: a new temporary folder).
    """

    def __init__(self, database_url: str | None = None, *, processes: int | None = None,
                 first_port: int = FIRST_PORT, ports: Sequence[int] | None = None, port: int = NGINX_PORT,
                 host: str = "0.0.0.0", app_host: str = "127.0.0.1", secret: str | None = None,
                 secret_file: Path | None = None, run_dir: Path | None = None, env: Mapping[str, str] | None = None,
                 streamlit_flags: Sequence[str] = (), app_dir: Path = ROOT, script: str = "app.py",
                 nginx: str = "nginx", secure_cookie: bool = False) -> None:
        self.database_url = (database_url or os.environ.get("DATABASE_URL", "")).strip()
        if ports is None:
            count = processes or len(os.sched_getaffinity(0))
            ports = range(first_port, first_port + count)
        if not ports:
            raise LaunchError("Start at least one process.")
        if len(ports) > 1 and not self.database_url.startswith(("postgres://", "postgresql")):
            raise LaunchError("Several processes must share a PostgreSQL database: set DATABASE_URL="
                              "postgresql://user:password@host:5432/specchain (or --database-url).")
        self.port, self.host = port, host
        self.secret = secret or cookie_secret(secret_file)
        self.run_dir = Path(run_dir or tempfile.mkdtemp(prefix="specchain-deploy-")).resolve()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.processes = [AppProcess(f"p{number}", p, app_host, self.run_dir / f"p{number}.log")
                          for number, p in enumerate(ports, start=1)]
        self._env = dict(env or {})
        self._flags = list(streamlit_flags)
        self._app_dir, self._script = app_dir, script
        self._nginx_binary, self._secure_cookie = nginx, secure_cookie
        self._nginx: subprocess.Popen[bytes] | None = None

    # ── where things are ─────────────────────────────────────────────────────────────────────────────────────
    @property
    def url(self) -> str:
        """nginx's address, as a browser on this machine reaches it."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else "[::1]" if self.host == "::" else self.host
        return f"http://{host}:{self.port}"

    @property
    def nginx_conf(self) -> Path:
        return self.run_dir / "nginx.conf"

    @property
    def access_log(self) -> Path:
        return self.run_dir / "nginx-access.log"

    @property
    def nginx_pid(self) -> int | None:
        return self._nginx.pid if self._nginx else None

    def process(self, name: str) -> AppProcess:
        """The process by name (p1, p2, …), as nginx's cookie names it."""
        for process in self.processes:
            if process.name == name:
                return process
        raise KeyError(name)

    # ── starting and stopping ────────────────────────────────────────────────────────────────────────────────
    def start(self) -> Self:
        # /usr/sbin is not on every user's PATH.
        nginx = shutil.which(self._nginx_binary) or shutil.which(self._nginx_binary, path="/usr/sbin:/sbin")
        if nginx is None:
            raise LaunchError("nginx is not installed: `apt-get install -y nginx` (Debian, Ubuntu).")
        busy = [str(p.port) for p in self.processes if not _port_is_free(p.host, p.port)]
        if not _port_is_free(self.host, self.port):
            busy.append(f"{self.port} (nginx)")
        if busy:
            raise LaunchError(f"Port {', '.join(busy)} is already in use: choose others (--first-port, --port).")
        self._migrate()
        try:
            for process in self.processes:
                self._spawn(process)
            self._wait_until_healthy(self.processes)
            self._start_nginx(nginx)
        except BaseException:
            self.stop()
            raise
        return self

    def _migrate(self) -> None:
        """Bring the database up to date once, before N processes start (and fail here, in a sentence)."""
        if not self.database_url:
            return
        # Imported here: rendering the configuration needs no database.
        from specchain.store import StoreError, open_store

        try:
            open_store(self.database_url).close()
        except StoreError as error:
            raise LaunchError(f"The database could not be opened: {error}") from error

    def _spawn(self, process: AppProcess) -> None:
        env = {**os.environ, **self._env, "STREAMLIT_SERVER_COOKIE_SECRET": self.secret}
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        command = [sys.executable, str(ROOT / "deploy" / "serve.py"), "run", self._script, "--server.port", str(process.port),
                   "--server.address", process.host, "--server.headless", "true", *self._flags]
        with process.log.open("ab") as log:  # the child keeps its own descriptor
            # A session of its own: Ctrl-C reaches the launcher, which stops the processes in order.
            process.popen = subprocess.Popen(command, cwd=self._app_dir, env=env, stdout=log,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             start_new_session=True)

    def _wait_until_healthy(self, processes: Sequence[AppProcess]) -> None:
        waiting = list(processes)
        deadline = time.monotonic() + START_TIMEOUT_S
        while waiting:
            for process in list(waiting):
                assert process.popen is not None
                if process.popen.poll() is not None:
                    raise LaunchError(f"{process.name} (port {process.port}) exited with "
                                      f"{process.popen.returncode}:\n{_tail(process.log)}")
                if _healthy(process.url):
                    waiting.remove(process)
            if waiting and time.monotonic() > deadline:
                raise LaunchError(f"{waiting[0].name} did not answer within {START_TIMEOUT_S:.0f} s:\n"
                                  f"{_tail(waiting[0].log)}")
            time.sleep(0.1)  # polling interval

    def _start_nginx(self, nginx: str) -> None:
        for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / "temp" / temp).mkdir(parents=True, exist_ok=True)
        listen = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        self.nginx_conf.write_text(render_nginx(self.processes, listen=listen, run_dir=self.run_dir,
                                                secure_cookie=self._secure_cookie, user=nginx_user()))
        error_log = self.run_dir / "nginx-error.log"
        with (self.run_dir / "nginx.out").open("ab") as out:
            self._nginx = subprocess.Popen([nginx, "-e", str(error_log), "-p", str(self.run_dir), "-c",
                                            str(self.nginx_conf)], stdout=out, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 20
        while not _healthy(self.url):
            if self._nginx.poll() is not None or time.monotonic() > deadline:
                raise LaunchError(f"nginx did not start:\n{_tail(self.run_dir / 'nginx.out')}{_tail(error_log)}")
            time.sleep(0.1)  # polling interval

    def stop(self) -> None:
        """nginx first (no new requests), then every process: SIGTERM, and SIGKILL for any still there 10 s later
        (one deadline for all: a process that has only just started can miss its SIGTERM)."""
        running = [p for p in [self._nginx, *(p.popen for p in self.processes)] if p and p.poll() is None]
        for popen in running:
            popen.terminate()
        deadline = time.monotonic() + 10
        for popen in running:
            try:
                popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait(5)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill one app process (kill -9 by default: no goodbye, no cleanup) and wait until it is gone."""
        process = self.process(name)
        assert process.popen is not None
        os.kill(process.pid, sig)
        process.popen.wait(10)

    def restart(self, name: str) -> AppProcess:
        """Start a process that has exited again, on its port, and wait until it answers."""
        process = self.process(name)
        if process.alive:
            raise LaunchError(f"{name} is still running")
        self._spawn(process)
        self._wait_until_healthy([process])
        return process

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


# ── the command line ─────────────────────────────────────────────────────────────────────────────────────────────
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python deploy/launch.py",
        description="Start several Spec Chain Studio processes behind nginx, sharing one PostgreSQL database. "
                    "Ctrl-C stops them all. Anything after -- is passed to every `streamlit run`.")
    parser.add_argument("--processes", type=int, default=None,
                        help=f"how many app processes (default: one per core, here {len(os.sched_getaffinity(0))})")
    parser.add_argument("--first-port", type=int, default=FIRST_PORT,
                        help="the first process's port; the others follow (default: %(default)s)")
    parser.add_argument("--port", type=int, default=NGINX_PORT, help="nginx's port (default: %(default)s)")
    parser.add_argument("--host", default="0.0.0.0",
                        help="the address nginx listens on (default: %(default)s, every interface)")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL shared by every process (default: the DATABASE_URL environment variable)")
    parser.add_argument("--cookie-secret-file", type=Path, default=None,
                        help=f"where the shared cookie secret is kept, made on first use with 0600 permissions "
                             f"(default: {DEFAULT_SECRET_FILE}; {SECRET_ENV} overrides it)")
    parser.add_argument("--run-dir", type=Path, default=None,
                        help="nginx's configuration and the logs (default: a new temporary folder)")
    parser.add_argument("--secure-cookie", action="store_true",
                        help="mark the affinity cookie Secure (when the site is served over HTTPS)")
    parser.add_argument("--no-restart", action="store_true", help="don't restart a process that exits")
    parser.add_argument("streamlit_flags", nargs="*", help="more `streamlit run` flags, after --")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def interrupt(signum: int, _frame: object) -> None:  # `kill <launcher>` stops everything, as Ctrl-C does
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)  # also when started with SIGINT ignored (nohup, a background job)
    try:
        cluster = Cluster(args.database_url, processes=args.processes, first_port=args.first_port, port=args.port,
                          host=args.host, secret_file=args.cookie_secret_file, run_dir=args.run_dir,
                          streamlit_flags=args.streamlit_flags, secure_cookie=args.secure_cookie)
        print(f"Starting {len(cluster.processes)} processes on ports "
              f"{', '.join(str(p.port) for p in cluster.processes)}; logs in {cluster.run_dir}", flush=True)
        cluster.start()
    except LaunchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    where = cluster.url
    if args.host in ("0.0.0.0", "::"):  # every interface: people in the room use the machine's name or address
        where = f"http://{socket.gethostname()}:{args.port} ({cluster.url} on this machine)"
    print(f"Spec Chain Studio is at {where}; nginx's configuration: {cluster.nginx_conf}. Ctrl-C stops everything.",
          flush=True)
    try:
        while True:
            time.sleep(1)
            if cluster._nginx is not None and cluster._nginx.poll() is not None:
                print(f"error: nginx exited:\n{_tail(cluster.run_dir / 'nginx-error.log')}", file=sys.stderr)
                return 1
            for process in cluster.processes:
                if process.alive or args.no_restart:
                    continue
                print(f"{process.name} (port {process.port}, pid {process.pid}) exited with "
                      f"{process.popen.returncode if process.popen else '?'}; starting it again", flush=True)
                try:
                    cluster.restart(process.name)
                except LaunchError as error:
                    print(f"error: {error}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("Stopping…", flush=True)
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # `python deploy/launch.py` from anywhere: the app's own modules
    sys.exit(main())
