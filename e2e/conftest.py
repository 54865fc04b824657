"""Fixtures that run the real `portcullis` binary.

`server` starts `portcullis serve` on a free loopback port with a fresh data folder and stops it after the
module; tests register their own clients through the CLI, as an administrator would.
"""

import json
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The servers here listen on plain http on 127.0.0.1; oauthlib refuses non-https endpoints unless told this.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
ADMIN_PASSWORD = "e2e-admin-" + secrets.token_hex(6)


def portcullis_binary() -> str:
    path = os.environ.get("PORTCULLIS_BIN") or str(ROOT / ".build" / "debug" / "portcullis")
    if not os.access(path, os.X_OK):
        pytest.exit(f"portcullis binary not found at {path}; run `swift build` first or set PORTCULLIS_BIN", returncode=2)
    return path


def wait_for(condition, seconds: float, interval: float = 0.1) -> bool:
    """Polls `condition` (connection errors count as not yet) until it holds or `seconds` pass; says which."""
    deadline = time.time() + seconds
    while True:
        try:
            if condition():
                return True
        except requests.ConnectionError:
            pass
        if time.time() >= deadline:
            return False
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data_dir: pathlib.Path, extra_env: dict | None = None):
        self.binary = portcullis_binary()
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_password = ADMIN_PASSWORD
        self.env = dict(os.environ)
        self.env.update({
            "PORTCULLIS_DATA_DIR": str(data_dir),
            "PORTCULLIS_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "PORTCULLIS_BCRYPT_COST": "4",
            "PORTCULLIS_ISSUER": self.url,
            "PORTCULLIS_PORT": str(self.port),
            "PORTCULLIS_HOSTNAME": "127.0.0.1",
        })
        self.env.update(extra_env or {})
        self.log_path = data_dir / "serve.log"
        self.process = None

    def start(self):
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"portcullis exited early:\n{self.log_path.read_text()}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"portcullis did not start:\n{self.log_path.read_text()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise RuntimeError(f"portcullis {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def create_client(self, name: str | None = None, *extra: str) -> dict:
        name = name or "e2e-" + secrets.token_hex(4)
        return json.loads(self.cli("client", "create", "--name", name, "--json", *extra).stdout)

    def create_user(self, username: str, password: str, *extra: str) -> None:
        self.cli("user", "create", "--username", username, "--password", password, *extra)

    def cli_admin_client(self) -> dict:
        """One confidential client allowed to introspect other clients' tokens (a resource server), made on first use."""
        if not hasattr(self, "_introspector"):
            self._introspector = self.create_client("e2e introspector", "--grant", "client_credentials", "--may-introspect")
        return self._introspector

    def log_text(self) -> str:
        return self.log_path.read_text()


@pytest.fixture(scope="module")
def server():
    data_dir = pathlib.Path(tempfile.mkdtemp(prefix="portcullis-e2e-"))
    instance = Server(data_dir).start()
    yield instance
    instance.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def start_server(extra_env: dict | None = None) -> Server:
    data_dir = pathlib.Path(tempfile.mkdtemp(prefix="portcullis-e2e-"))
    return Server(data_dir, extra_env).start()


def stop_server(instance: Server) -> None:
    instance.stop()
    shutil.rmtree(instance.data_dir, ignore_errors=True)


def password_login(server: Server, client: dict, username: str = "admin", password: str | None = None, scope: str | None = None) -> dict:
    fields = {"grant_type": "password", "client_id": client["client_id"], "client_secret": client["client_secret"],
              "username": username, "password": password or server.admin_password}
    if scope:
        fields["scope"] = scope
    response = requests.post(server.url + "/oauth/token", data=fields, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def password_client(server):
    """A confidential client with the password grant, as seed 001's administrator sets it up."""
    return server.create_client(None, "--grant", "password", "--grant", "client_credentials")


def pytest_sessionfinish(session, exitstatus):
    """Under scripts/test (PORTCULLIS_E2E_NO_SKIP=1) a skipped test fails the run: nothing is skipped silently."""
    if os.environ.get("PORTCULLIS_E2E_NO_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"{len(skipped)} end-to-end test(s) were skipped; scripts/test treats that as a failure", red=True)
        session.exitstatus = 1
