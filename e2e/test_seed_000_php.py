"""Seed 000 (ProcessMaker 3): pmRestLogin() in PHP, posting multipart through PHP's cURL."""

import json
import pathlib
import shutil
import subprocess

import pytest

HERE = pathlib.Path(__file__).resolve().parent

pytestmark = pytest.mark.skipif(shutil.which("php") is None, reason="php is not installed (scripts/test installs php-cli and php-curl)")


def php(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["php", str(HERE / "php" / script), *args], capture_output=True, text=True, timeout=60)


def test_pm_rest_login_gets_a_token(server, password_client):
    result = php("pmRestLogin.php", server.url, "workflow", password_client["client_id"], password_client["client_secret"],
                 "ADMIN", server.admin_password)
    assert result.returncode == 0, result.stderr
    token = json.loads(result.stdout.strip().splitlines()[-1])
    assert token["token_type"] == "bearer"
    assert token["scope"] == "*"
    assert token["refresh_token"].startswith("pcl_rt_")


def test_pm_rest_login_reports_the_seed_error_table(server, password_client):
    result = php("pmRestLogin.php", server.url, "workflow", password_client["client_id"], password_client["client_secret"],
                 "admin", "not-the-password")
    assert "Error in HTTP status code: 400" in result.stdout


def test_unknown_workspace_is_503(server, password_client):
    result = php("pmRestLogin.php", server.url, "noworkspace", password_client["client_id"], password_client["client_secret"],
                 "admin", server.admin_password)
    assert "Error in HTTP status code: 503" in result.stdout
