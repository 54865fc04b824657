"""Seed 003's Node.js tab: client credentials over HTTP Basic with the `request` library's call shape.

The npm registry is out of reach here, so e2e/node/node_modules/request is a small stand-in that sends what
`request` sends for these options (Basic from `auth`, a form body from `form`). app.js is the seed's code."""

import pathlib
import shutil
import subprocess

import pytest

HERE = pathlib.Path(__file__).resolve().parent

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (scripts/test installs nodejs)")


def test_node_client_credentials(server):
    client = server.create_client(None, "--grant", "client_credentials")
    result = subprocess.run(["node", "app.js", server.url, client["client_id"], client["client_secret"]],
                            cwd=HERE / "node", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Yay! We got an access token: " in result.stdout
    token = result.stdout.split("access token: ", 1)[1].strip()
    assert token.count(".") == 2
