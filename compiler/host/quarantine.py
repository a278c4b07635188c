"""`sourceos-agent quarantine --foreign LABEL|PATH`: spec section 9's eleven steps for a service
agentc did not install (the legacy agent section 14 migrates away from)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from compiler.escape import sh
from compiler.host.service import Service, Unreadable, read
from compiler.rules.patterns import PODMAN_RUN_VALUED

# What redaction replaces (agentctl's `redact` in shell/agentctl.sh is the same four patterns
# for sed; tests/test_redaction.py holds both to one corpus): the string value of any key that
# names a credential, quoted (JSON, TOML) or bare (`KEY=value`, query strings, .npmrc), and
# the password of a URL's user information. A quoted value may hold escaped quotes.
_SECRET_WORD = (
    r"[A-Za-z0-9_.-]*(?:auth|passw|token|secret|key|credential|cookie|session)[A-Za-z0-9_.-]*"
)
_REDACTIONS = (
    (re.compile(rf'"({_SECRET_WORD})"(\s*[:=]\s*)"(?:[^"\\]|\\.)*"', re.I), r'"\1"\2"<redacted>"'),
    (
        re.compile(rf'(^|[\s,{{;])({_SECRET_WORD})(\s*=\s*)"(?:[^"\\]|\\.)*"', re.I | re.M),
        r'\1\2\3"<redacted>"',
    ),
    (re.compile(rf"(^|[\s?&;/:])({_SECRET_WORD})=([^&\s\"'#]+)", re.I | re.M), r"\1\2=<redacted>"),
    (re.compile(r'(://[^/:@\s"]*):([^@/\s"]+)@'), r"\1:<redacted>@"),
)


def find(target: str, dirs: list[tuple[str, str]]) -> tuple[Service, str] | None:
    """The definition named by a path or a label (a unit's name), and its manager's scope."""
    if os.path.isfile(target):
        scope = next((s for d, s in dirs if os.path.dirname(os.path.abspath(target)) == d), "user")
        return read(target), scope
    for directory, scope in dirs:
        for entry in sorted(os.listdir(directory)):
            path = os.path.join(directory, entry)
            if entry == target or entry == f"{target}.service":
                return read(path), scope
            if entry.endswith(".plist"):
                try:
                    service = read(path)
                except Unreadable:
                    continue
                if service.label == target:
                    return service, scope
    return None


def podman_run_parts(argv: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(container name, image) of a `podman run` / `docker run` argv, where it is one."""
    if "run" not in argv:
        return None, None
    words = list(argv[argv.index("run") + 1 :])
    name = image = None
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--name="):
            name = word.split("=", 1)[1]
        elif word in PODMAN_RUN_VALUED:
            if word == "--name" and i + 1 < len(words):
                name = words[i + 1]
            i += 1
        elif not word.startswith("-"):
            image = word
            break
        i += 1
    return name, image


def redact(text: str) -> str:
    """Auth configuration with every token, password, key, secret and auth value replaced."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class Quarantine:
    """One foreign service taken through section 9, each step recorded with its outcome."""

    def __init__(self, service: Service, scope: str, out: Path, platform: str) -> None:
        self.service, self.scope, self.platform = service, scope, platform
        self.items: list[dict[str, str]] = []
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        name = re.sub(r"[^A-Za-z0-9._-]", "_", service.label or Path(service.path).stem)
        self.dir = out / f"{name}-{stamp}"
        self.stamp = stamp
        self.failed = False
        self.todo: list[str] = []  # what this user could not do, for someone who can

    def record(self, name: str, status: str, detail: str = "", step: bool = False) -> None:
        """Note one step or capture; a step (stop, disable, move) that failed fails the run."""
        self.items.append({"name": name, "status": status, "detail": detail})
        self.failed = self.failed or (step and status == "failed")

    def run(self, name: str, argv: list[str], step: bool = False, to: str | None = None) -> bool:
        """Run a command, recording it; with `to`, its output becomes that captured file."""
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                                 stdin=subprocess.DEVNULL)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as err:
            self.record(name, "failed", f"{' '.join(argv)}: {err}", step)
            return False
        if out.returncode == 0 and to is not None:
            (self.dir / to).write_text(out.stdout)
        status = "ok" if out.returncode == 0 else "failed"
        detail = " ".join(argv) + ("" if out.returncode == 0 else f": {out.stderr.strip()}")
        self.record(to or name, "captured" if to and status == "ok" else status, detail, step)
        return out.returncode == 0

    def wait_unloaded(self, target: str, seconds: float = 10) -> None:
        """`launchctl bootout` returns before launchd has let the job go: wait for it, and
        record a stop that did not happen as failed."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            printed = subprocess.run(["launchctl", "print", target], capture_output=True,
                                     stdin=subprocess.DEVNULL)  # fmt: skip
            if printed.returncode != 0:
                return
            time.sleep(0.1)
        self.record("stop", "failed", f"{target} is still loaded {seconds:g} s after bootout", True)

    @property
    def domain(self) -> str:
        """The launchd domain a plist in this directory is loaded into."""
        return "system" if "LaunchDaemons" in self.service.path else f"gui/{os.getuid()}"

    def steps(self) -> None:
        """Section 9: capture runtime state first (a `--rm` container is gone once stopped),
        then stop, disable and move the definition aside, then logs, auth and the records."""
        s = self.service
        self.dir.mkdir(parents=True)
        darwin = s.kind == "launchd"
        unit = os.path.basename(s.path)
        ctl = ["systemctl", *(["--user"] if self.scope == "user" else [])]
        # 5. service manager status
        if darwin:
            self.run("status", ["launchctl", "print", f"{self.domain}/{s.label}"],
                     to="service-status.txt")  # fmt: skip
        else:
            self.run("status", [*ctl, "show", unit], to="service-status.txt")
        container, image = podman_run_parts(s.argv)
        podman = shutil.which("podman")
        if podman and (container or image):
            # 6. Podman machine and engine  7. container  8. image
            if darwin:
                self.run("podman-machine", [podman, "machine", "inspect"],
                         to="podman-machine.json")  # fmt: skip
            self.run("podman-info", [podman, "info", "--format", "json"], to="podman-info.json")
            if container:
                self.run("container", [podman, "container", "inspect", container],
                         to="container-inspect.json")  # fmt: skip
            if image:
                self.run("image", [podman, "image", "inspect", image], to="image-inspect.json")
        # 1. stop  2. disable
        if darwin:
            target = f"{self.domain}/{s.label}"
            loaded = subprocess.run(["launchctl", "print", target], capture_output=True,
                                    stdin=subprocess.DEVNULL).returncode == 0  # fmt: skip
            if loaded:
                self.run("stop", ["launchctl", "bootout", target], step=True)
                self.wait_unloaded(target)
            else:
                self.record("stop", "ok", f"{target} was not loaded")
            self.run("disable", ["launchctl", "disable", target], step=True)
        else:
            self.run("stop", [*ctl, "stop", unit], step=True)
            self.run("disable", [*ctl, "disable", unit], step=True)
        # 3. the definition, moved aside
        moved = "service.plist.disabled" if darwin else "service.unit.disabled"
        try:
            shutil.move(s.path, self.dir / moved)
            self.record(moved, "captured", f"moved from {s.path}")
        except OSError as err:
            # A root-owned definition (the incident's, in /Library/LaunchAgents) a user cannot
            # move: a copy is kept as evidence, and the move is left to an administrator.
            fix = ""
            if isinstance(err, PermissionError):
                self.todo.append(f"sudo mv {sh(s.path)} {sh(str(self.dir / moved))}")
                fix = f"; as its owner: {self.todo[-1]}"
                with contextlib.suppress(OSError):
                    shutil.copyfile(s.path, self.dir / "service.definition.copy")
            self.record(moved, "failed", f"cannot move {s.path}: {err.strerror or err}{fix}", True)
        if not darwin:
            self.run("daemon-reload", [*ctl, "daemon-reload"])
        # 4. logs
        for key, path in sorted(s.logs.items()):
            path = os.path.expanduser(path)
            name = f"{key}-{os.path.basename(path)}"
            if not os.path.isfile(path):
                self.record(name, "absent", path)
                continue
            try:
                shutil.copyfile(path, self.dir / name)
                self.record(name, "captured", path)
            except OSError as err:
                self.record(name, "failed", f"{path}: {err.strerror or err}")
        # 9. auth configuration the runtime could see, secrets redacted
        self.auth()
        # 11. remediation  10. manifest
        self.remediation(moved)
        self.manifest()

    def auth(self) -> None:
        home = Path(os.environ.get("HOME", "~")).expanduser()
        docker = self.service.env.get("DOCKER_CONFIG") or os.environ.get("DOCKER_CONFIG")
        docker_dir = Path(os.path.expanduser(docker)) if docker else home / ".docker"
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        files = [docker_dir / "config.json", config / "containers" / "auth.json",
                 home / ".dockercfg"]  # fmt: skip
        entries = []
        for f in files:
            if f.is_file():
                try:
                    entries.append({"file": str(f), "content": redact(f.read_text())})
                except (OSError, UnicodeDecodeError) as err:
                    entries.append({"file": str(f), "error": str(err)})
        (self.dir / "auth-redacted.json").write_text(json.dumps(entries, indent=2) + "\n")
        self.record("auth-redacted.json", "captured", "tokens, passwords and auth values redacted")

    def remediation(self, moved: str) -> None:
        s = self.service
        path, label = sh(s.path), sh(s.label)
        ctl = "systemctl --user" if self.scope == "user" else "sudo systemctl"
        back = (
            f"launchctl enable {self.domain}/{label}; mv {moved} {path};"
            f" launchctl bootstrap {self.domain} {path}"
            if s.kind == "launchd"
            else f"mv {moved} {path}; {ctl} daemon-reload; {ctl} enable --now"
            f" {sh(os.path.basename(s.path))}"
        )
        text = (
            f"# {s.label} quarantined\n\n"
            f"A service agentc did not install was stopped, disabled and its definition moved"
            f" here at {self.stamp} (UTC), with its logs and runtime state.\n\n"
            "## What to look at\n"
            "- `service-status.txt`: what the service manager last knew (runs, last exit).\n"
            "- `container-inspect.json`, `image-inspect.json`: what it ran.\n"
            "- `auth-redacted.json`: which credential sources the runtime could see.\n\n"
            "## Migrate (spec section 14)\n"
            "Declare it for agentc (`examples/node-commander.agent` is the section 14 target),"
            " compile and activate it: user scope, a `localhost/` image, an empty authfile,"
            " bounded restarts, logs outside /tmp.\n\n"
            f"## To bring the old one back as it was\n`{back}`\n"
        )
        if self.todo:
            text += "\n## Not done: needs the file's owner\n" + "".join(
                f"- `{line}`\n" for line in self.todo
            )
        (self.dir / "remediation.md").write_text(text)
        self.record("remediation.md", "captured")

    def manifest(self) -> None:
        items = []
        for item in self.items:
            path = self.dir / item["name"]
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            items.append({**item, "sha256": digest})
        doc = {"label": self.service.label, "path": self.service.path, "foreign": True,
               "quarantinedAt": self.stamp, "ok": not self.failed, "items": items}  # fmt: skip
        (self.dir / "manifest.json").write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")

    def report(self) -> dict[str, Any]:
        """What the command prints with --json."""
        return {"label": self.service.label, "path": self.service.path,
                "directory": str(self.dir), "ok": not self.failed, "items": self.items}  # fmt: skip
