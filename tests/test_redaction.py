"""Quarantine redaction against real-looking configuration files: no credential survives, and
what an operator needs to read (registries, helper names, e-mail, plain settings) does; the
Python redaction (foreign quarantine) and agentctl's sed one agree byte for byte."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from compiler.host.quarantine import redact
from tests.conftest import ROOT, require_tool

CORPUS = sorted((ROOT / "tests" / "fixtures" / "redaction").iterdir())
KEPT = {
    "docker-config.json": ["gcloud", "desktop", "us-central1-docker.pkg.dev", "ghcr.io"],
    "containers-auth.json": ["quay.io"],
    "dockercfg": ["ops@example.com", "https://index.docker.io/v1/"],
    "service-account.json": ["puller@socioprophet-web.iam.gserviceaccount.com", "service_account"],
    "headers.json": ["agent/1.0"],
    "urls.json": ["https://robot:", "@registry.example.com/v2/", "user=ops", "x=1"],
    "registries.conf": ['location = "registry.example.com"', "insecure = false"],
    "npmrc": ["registry=https://registry.npmjs.org/"],
    "agent.env": ["NODE_ENV=production"],
}


def secrets(text: str) -> list[str]:
    """What must not survive: every SECRET-marked token and every docker `auth` value."""
    found = re.findall(r"SECRET[A-Za-z0-9_-]*", text)
    found += re.findall(r'"auth": "([^"]+)"', text)
    return found


def shell_redact(path: Path) -> str:
    library = (ROOT / "shell" / "agentctl.sh").read_text()
    start = library.index("redact() {")
    function = library[start : library.index("\n}\n", start) + 3]
    argv = [require_tool("dash"), "-c", function + 'redact <"$1"', "sh", str(path)]
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30).stdout


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_no_credential_survives_and_what_an_operator_reads_does(path: Path) -> None:
    original = path.read_text()
    assert secrets(original), "the corpus file holds credentials to redact"
    out = redact(original)
    for secret in secrets(original):
        assert secret not in out, (secret, out)
    assert "<redacted>" in out
    for kept in KEPT[path.name]:
        assert kept in out, (kept, out)


@pytest.mark.real
@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_agentctl_redacts_as_the_python_quarantine_does(path: Path) -> None:
    assert shell_redact(path) == redact(path.read_text())
