"""deploy/launch.py without browsers: the cookie secret's file, the refusal to share SQLite, and the rendered nginx
configuration as nginx itself reads it (`nginx -t`). The browser test tests/e2e/test_several_processes.py runs it all."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from deploy.launch import (
    COOKIE,
    ROOT,
    AppProcess,
    Cluster,
    LaunchError,
    cookie_secret,
    nginx_user,
    render_nginx,
)


@pytest.fixture(autouse=True)
def no_secret_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPECCHAIN_COOKIE_SECRET", raising=False)


def test_the_secret_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "config" / "cookie-secret"
    first = cookie_secret(path)
    assert len(first) >= 32 and path.stat().st_mode & 0o777 == 0o600
    assert cookie_secret(path) == first  # every process, every start: the same secret


def test_the_environment_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECCHAIN_COOKIE_SECRET", "from-the-environment")
    assert cookie_secret(tmp_path / "cookie-secret") == "from-the-environment"
    assert not (tmp_path / "cookie-secret").exists()


def test_a_secret_others_can_read_or_inside_the_project_is_refused(tmp_path: Path) -> None:
    loose = tmp_path / "cookie-secret"
    loose.write_text("s3cret\n")
    loose.chmod(0o644)
    with pytest.raises(LaunchError, match="chmod 600"):
        cookie_secret(loose)
    with pytest.raises(LaunchError, match="outside the project folder"):
        cookie_secret(ROOT / "data" / "cookie-secret")
    assert not (ROOT / "data" / "cookie-secret").exists()


def test_several_processes_need_postgresql(tmp_path: Path) -> None:
    with pytest.raises(LaunchError, match="PostgreSQL"):
        Cluster(f"sqlite:///{tmp_path / 'work.sqlite3'}", processes=2, secret="s", run_dir=tmp_path)
    with pytest.raises(LaunchError, match="PostgreSQL"):
        Cluster("", processes=2, secret="s", run_dir=tmp_path)
    one = Cluster("", processes=1, secret="s", run_dir=tmp_path)  # one process may keep the SQLite file
    assert [p.port for p in one.processes] == [8601]
    three = Cluster("postgresql://u@db/specchain", processes=3, first_port=9000, secret="s", run_dir=tmp_path)
    assert [(p.name, p.port) for p in three.processes] == [("p1", 9000), ("p2", 9001), ("p3", 9002)]


def test_the_rendered_configuration_is_one_nginx_accepts(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if nginx is None:
        pytest.fail("nginx is not installed: apt-get install -y nginx (the README's test command does)")
    processes = [AppProcess(f"p{n}", 8600 + n, "127.0.0.1", tmp_path / f"p{n}.log") for n in (1, 2, 3)]
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "temp" / temp).mkdir(parents=True)
    text = render_nginx(processes, listen="127.0.0.1:8501", run_dir=tmp_path, secure_cookie=True,
                        user=nginx_user())
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    checked = subprocess.run([nginx, "-t", "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(conf)],
                             check=False, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    # Each process's upstream lists the two others as backups; the cookie names the process; websockets pass.
    upstream_p2 = re.search(r"upstream specchain_p2 \{(.*?)\}", text, re.DOTALL).group(1)
    assert re.findall(r"server (\S+)", upstream_p2) == ["127.0.0.1:8602", "127.0.0.1:8601", "127.0.0.1:8603"]
    assert upstream_p2.count(" backup;") == 2
    assert f"{COOKIE}=$specchain_served_by; Path=/; HttpOnly; SameSite=Lax; Secure" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text and "proxy_read_timeout 1d;" in text
