"""`agentc audit`: the policy rules over service definitions already on a host."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable

import attrs

from compiler import checks
from compiler.diagnostics import Diagnostic
from compiler.host import service
from compiler.rules import REGISTRY
from compiler.source import Source
from compiler.span import Span

SUFFIXES = (".plist", ".service")


@attrs.frozen
class AuditResult:
    """Findings over every service definition found, and what was read."""

    diagnostics: list[Diagnostic]
    sources: dict[str, Source]
    files: list[str]
    missing: list[str]


def definitions(paths: list[str]) -> tuple[list[str], list[str]]:
    """The plist and unit files named or contained (one level) in `paths`; and missing paths."""
    files, missing = [], []
    for path in paths:
        if os.path.isdir(path):
            files += sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith(SUFFIXES))
        elif os.path.exists(path):
            files.append(path)
        else:
            missing.append(path)
    return files, missing


def audit(
    paths: list[str],
    start_limits: Callable[[str], service.StartLimits] | None = None,
    loaded: bool = True,
) -> AuditResult:
    """Run every rule's audit over every definition; unreadable files are findings. Without
    `start_limits` a unit is judged as written; with it, a unit that sets no start limit gets
    the one its manager applies (`start_limits(path)`), as `doctor` judges a host. With
    `loaded`, a service its manager loaded from the file and restarted over and over is one."""
    files, missing = definitions(paths)
    out: list[Diagnostic] = []
    sources: dict[str, Source] = {}
    for path in files:
        try:
            svc = service.read(path)
        except service.Unreadable as err:
            out.append(checks.UNREADABLE_SERVICE.at(err.span, err.reason))
            continue
        if start_limits is not None and svc.kind == "systemd":
            svc = start_limits(path).apply(svc)
        sources[path] = Source(path, svc.text)
        for rule in REGISTRY:
            for f in rule.audit(svc):
                out.append(
                    Diagnostic(rule.code, rule.name, rule.severity, f.message, f.span, f.help)
                )
        restarts = manager_restarts(svc) if loaded else None
        if restarts is not None and restarts > EXCESSIVE_RESTARTS:
            out.append(
                checks.EXCESSIVE_RESTARTS.at(
                    Span.point(path),
                    f"{svc.label or os.path.basename(path)} was restarted {restarts} times since"
                    f" it was loaded (more than {EXCESSIVE_RESTARTS}: a respawn loop?)",
                )
            )
    out.sort(key=Diagnostic.sort_key)
    return AuditResult(out, sources, files, missing)


EXCESSIVE_RESTARTS = 10  # restarts of a loaded service that `audit` and `doctor` report


def manager_restarts(svc: service.Service) -> int | None:
    """How often its manager restarted the service it loaded from exactly this file:
    launchd's runs less the first, systemd's NRestarts. None if no manager has it loaded
    from this file (or none answers)."""
    if svc.kind == "launchd":
        if not svc.label:
            return None
        domain = "system" if "/LaunchDaemons/" in svc.path else f"gui/{os.getuid()}"
        argv = ["launchctl", "print", f"{domain}/{svc.label}"]
    else:
        user = "/systemd/user/" in svc.path
        argv = ["systemctl", *(["--user"] if user else []), "show", "-p", "FragmentPath",
                "-p", "NRestarts", "--", os.path.basename(svc.path)]  # fmt: skip
    if shutil.which(argv[0]) is None:
        return None
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10,
                             stdin=subprocess.DEVNULL)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    sep = " = " if svc.kind == "launchd" else "="
    fields = dict(line.strip().partition(sep)[::2] for line in out.stdout.splitlines()
                  if sep in line)  # fmt: skip
    where = fields.get("path" if svc.kind == "launchd" else "FragmentPath", "")
    if not where or os.path.realpath(where) != os.path.realpath(svc.path):
        return None
    count = fields.get("runs" if svc.kind == "launchd" else "NRestarts", "")
    if not count.isdigit():
        return None
    return max(int(count) - 1, 0) if svc.kind == "launchd" else int(count)


# Where the operating system keeps its own service definitions: an enablement symlink into
# these (or a file there) is the vendor's, not local persistence.
VENDOR_DIRS = ("/lib/systemd/", "/usr/lib/systemd/", "/System/Library/")


def origin(path: str) -> str:
    """`vendor` (the OS's own: inside, or a symlink into, the vendor directories; Apple's
    com.apple jobs), `package` (a file a package owns, unchanged since it was installed) or
    `local` (everything else: what an administrator, a user or a program put there)."""
    real = os.path.realpath(path)
    if real.startswith(VENDOR_DIRS) or os.path.basename(path).startswith("com.apple."):
        return "vendor"
    # No package installs into a home directory: a user's own definitions are local without
    # asking dpkg (a process each: 1.9 s of a doctor over 50 agents).
    home = os.environ.get("HOME", "")
    if home and real.startswith(home.rstrip("/") + "/"):
        return "local"
    if not os.path.islink(path) and _unchanged_package_file(path):
        return "package"
    return "local"


def _unchanged_package_file(path: str) -> bool:
    """Whether dpkg owns `path` and its content is still what the package shipped."""
    dpkg = shutil.which("dpkg-query")
    if dpkg is None:
        return False
    try:
        owner = subprocess.run([dpkg, "-S", path], capture_output=True, text=True, timeout=20,
                               stdin=subprocess.DEVNULL)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    if owner.returncode != 0 or ":" not in owner.stdout:
        return False
    relative = path.lstrip("/")
    try:
        with open(path, "rb") as fh:
            actual = hashlib.md5(fh.read()).hexdigest()  # dpkg records md5
    except OSError:
        return False
    for package in owner.stdout.split(":", 1)[0].split(","):
        info = f"/var/lib/dpkg/info/{package.strip()}"
        for sums in (f"{info}.md5sums", *_arch_sums(info)):
            try:
                with open(sums) as fh:
                    shipped = dict(
                        line.rstrip("\n").split("  ", 1)[::-1] for line in fh if "  " in line
                    )
            except OSError:
                continue
            if shipped.get(relative) == actual:
                return True
    return False


def _arch_sums(info: str) -> list[str]:
    directory, name = os.path.split(info)
    try:
        return [os.path.join(directory, n) for n in os.listdir(directory)
                if n.startswith(name + ":") and n.endswith(".md5sums")]  # fmt: skip
    except OSError:
        return []
