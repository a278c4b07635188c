"""Real agents, as users run them: a Podman agent publishes a port on loopback, keeps its data in
a volume, reads a secret file and has limits, on rootless Podman under the user's own systemd
user manager; its data survives every change but `uninstall --purge-data`."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.hosts import IMAGE, DarwinHost, LinuxHost, checks, compile_agent

pytestmark = pytest.mark.real

TOKEN = "s3cr3t-token-4ea1c9f0"  # a secret's content: must appear in no artifact or bundle


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


HTTPD = '[ "/bin/busybox" "httpd" "-f" "-p" "8080" "-h" "/data" ]'


def web_agent(
    host: LinuxHost | DarwinHost,
    port: int,
    extra: str = "",
    command: str = HTTPD,
    out: Path | None = None,
) -> Path:
    """busybox httpd serving its volume on `port` (loopback), with a secret and a limit."""
    return compile_agent(
        out or host.out,
        "web",
        f'image = "{IMAGE}";\n'
        f"command = {command};\n"
        "podman = { connection = null; requireMachine = false;\n"
        f"  ports = [ {{ container = 8080; host = {port}; }} ];\n"
        '  volumes = [ { source = "$HOME/.local/share/web"; target = "/data"; } ];\n'
        "};\n"
        'secrets.TOKEN = { source = "$HOME/.config/web/token"; target = "/run/secrets/token"; };\n'
        "resources.openFiles = 512;\n" + extra,
    )


def get(port: int, path: str, address: str = "127.0.0.1") -> str:
    with urllib.request.urlopen(f"http://{address}:{port}/{path}", timeout=10) as response:
        return response.read().decode()


def refused(address: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(3)
        return s.connect_ex((address, port)) != 0


def other_addresses() -> list[str]:
    """This host's IPv4 addresses other than 127.0.0.1 (127.0.0.2 always: loopback is a /8)."""
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=False).stdout
    return ["127.0.0.2", *(a for a in out.split() if "." in a and not a.startswith("127."))]


def secret(host: LinuxHost | DarwinHost) -> Path:
    return host.write(host.home / ".config" / "web" / "token", TOKEN, mode=0o600)


def everything_written(host: LinuxHost | DarwinHost, *trees: Path) -> bytes:
    """Every file agentc and the agent wrote: the compiled trees, the state directory, the
    installed definitions and the logs."""
    data = b""
    roots = [*trees, host.home / ".local" / "state", host.home / ".config" / "systemd",
             host.home / "Library"]  # fmt: skip
    for root in roots:
        for path in root.rglob("*") if root.exists() else ():
            if path.is_file() and not path.is_symlink():
                data += path.read_bytes()
    return data


def logs(host: LinuxHost | DarwinHost) -> str:
    """The agent's logs and what the user's manager says of the unit: why a start failed."""
    out = [p.read_text() for p in sorted(host.home.rglob("*.log")) if p.is_file()]
    if isinstance(host, LinuxHost):
        out.append(host.manager.systemctl("status", "sourceos-agent@web.service",
                                          check=False).stdout)  # fmt: skip
    return "\n".join(out)


def test_a_podman_agent_serves_on_loopback_keeps_its_data_and_reads_its_secret(
    linux: LinuxHost,
) -> None:
    port = _free_port()
    secret(linux)
    agent = web_agent(linux, port)
    result = linux.activate(agent, "--json")
    state = (result.returncode, json.loads(result.stdout)["state"])
    assert state == (0, "running"), result.stdout + logs(linux)
    c = checks(result)
    assert [c[i]["status"] for i in ("volume-source", "secret-file", "port-free")] == [
        "pass", "pass", "pass"
    ]  # fmt: skip
    assert c["resource-limits"]["status"] == "skip"  # openFiles is an rlimit, not a cgroup's
    data = linux.home / ".local" / "share" / "web"
    # Made at install: the user's, 0700.
    st = data.stat()
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (linux.uid, 0o700)
    linux.write(data / "hello.txt", "kept\n")
    assert get(port, "hello.txt") == "kept\n"
    # Published on 127.0.0.1 only.
    for address in other_addresses():
        assert refused(address, port), address
    # The secret, as a file at its target, read-only; its content in no artifact, state or log.
    inside = linux.run(["podman", "exec", "web", "/bin/busybox", "cat", "/run/secrets/token"])
    assert inside.stdout == TOKEN, inside.stderr
    ro = linux.run(["podman", "exec", "web", "sh", "-c", "echo x >/run/secrets/token"])
    assert ro.returncode != 0
    assert TOKEN.encode() not in everything_written(linux, linux.out)
    # The limit and the hardening as Podman applied them.
    inspect = linux.run(["podman", "container", "inspect", "web"])
    config = json.loads(inspect.stdout)[0]["HostConfig"]
    assert {"Name": "RLIMIT_NOFILE", "Soft": 512, "Hard": 512} in config["Ulimits"]
    assert config["CapDrop"] and "no-new-privileges" in " ".join(config["SecurityOpt"] or [])
    status = json.loads(linux.agentctl(agent, "status", "--json").stdout)
    assert status["published"] == [f"127.0.0.1:{port}/tcp"] and status["data"] == [str(data)]

    # An upgrade (a changed declaration) keeps the data; port-free passes: its own container.
    agent = web_agent(linux, port, extra='environment.WEB_GENERATION = "2";\n')
    result = linux.activate(agent, "--json")
    assert result.returncode == 0, result.stdout
    assert "held by the container of this agent" in checks(result)["port-free"]["detail"]
    assert get(port, "hello.txt") == "kept\n"
    # A failed upgrade is rolled back, the data untouched.
    broken = web_agent(linux, port, command='[ "/bin/false" ]', out=linux.tmp / "broken")
    result = linux.activate(broken, "--json")
    assert result.returncode == 4, result.stdout
    assert get(port, "hello.txt") == "kept\n"
    assert linux.agentctl(agent, "restart").returncode == 0
    assert get(port, "hello.txt") == "kept\n"

    # Uninstall keeps the data and says where it is; only --purge-data removes it.
    out = linux.agentctl(agent, "uninstall")
    assert out.returncode == 0 and f"- kept data {data}" in out.stdout, out.stdout
    assert (data / "hello.txt").read_text() == "kept\n"
    assert refused("127.0.0.1", port)
    result = linux.activate(agent, "--json")
    assert result.returncode == 0, result.stdout
    assert get(port, "hello.txt") == "kept\n"
    out = linux.agentctl(agent, "uninstall", "--purge-data", "--yes")
    assert out.returncode == 0 and f"- removed data {data}" in out.stdout, out.stdout
    assert not data.exists()


def test_purge_data_asks_first_and_keeps_the_data_unless_told_yes(linux: LinuxHost) -> None:
    port = _free_port()
    secret(linux)
    agent = web_agent(linux, port)
    assert linux.activate(agent).returncode == 0
    data = linux.home / ".local" / "share" / "web"
    linux.write(data / "hello.txt", "kept\n")
    out = linux.run([str(agent / "bin" / "agentctl"), "uninstall", "--purge-data"], input="no\n")
    assert "type yes to remove it" in out.stderr and "data kept" in out.stderr
    assert (data / "hello.txt").exists()


def test_preflight_names_what_holds_a_port_and_what_is_wrong_with_a_secret_or_a_volume(
    linux: LinuxHost,
) -> None:
    port = _free_port()
    token = secret(linux)
    token.chmod(0o644)
    data = linux.home / ".local" / "share" / "web"
    data.mkdir(parents=True)  # root's: the test runs as root; agentc never chowns it
    linux.root_owned.add(data)
    os.chmod(linux.home / ".local" / "share", 0o755)
    holder = subprocess.Popen(
        linux.user.argv(["/usr/bin/python3", "-c", f"""
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", {port})); s.listen(); time.sleep(120)
"""]) if linux.user else ["sleep", "0"],
    )  # fmt: skip
    try:
        for _ in range(100):
            if not refused("127.0.0.1", port):
                break
        result = linux.activate(web_agent(linux, port), "--json")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 3, result.stdout
    c = checks(result)
    assert c["port-free"]["status"] == "fail"
    assert (
        f"127.0.0.1:{port}/tcp is in use by python3 (pid {holder.pid})" in c["port-free"]["detail"]
    )
    assert c["secret-file"]["status"] == "fail" and "wider than 0600" in c["secret-file"]["detail"]
    assert c["secret-file"]["remediation"].startswith("chmod 600 ")
    assert c["volume-source"]["status"] == "fail"
    assert "belongs to uid 0" in c["volume-source"]["detail"]
    assert TOKEN not in result.stdout


def test_the_simulated_mac_runs_the_same_container(darwin: DarwinHost) -> None:
    port = _free_port()
    secret(darwin)
    agent = web_agent(darwin, port)
    result = darwin.activate(agent, "--json")
    assert result.returncode == 0, result.stdout
    darwin.write(darwin.home / ".local" / "share" / "web" / "hello.txt", "mac\n")
    assert get(port, "hello.txt") == "mac\n"
    inspect = darwin.run(["podman", "container", "inspect", "web"])
    config = json.loads(inspect.stdout)[0]["HostConfig"]
    assert config["PortBindings"]["8080/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
    # Quarantine names the secret and the data, and copies neither.
    bundle = darwin.tmp / "bundle"
    out = darwin.agentctl(agent, "quarantine", "--output-dir", str(bundle), "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    (captured,) = bundle.iterdir()
    items = {i["name"]: i for i in json.loads((captured / "manifest.json").read_text())["items"]}
    assert items["secret TOKEN"]["status"] == "not captured"
    assert "its content is never copied" in items["secret TOKEN"]["detail"]
    data = darwin.home / ".local" / "share" / "web"
    assert items[f"data {data}"]["status"] == "not captured"
    assert (data / "hello.txt").read_text() == "mac\n"
    assert TOKEN.encode() not in everything_written(darwin, darwin.out, bundle)


def test_a_native_agents_limits_and_secret_reach_it_through_the_user_manager(
    linux: LinuxHost,
) -> None:
    """LoadCredential= hands the program the file (in $TOKEN_FILE), not its content; the
    limits are the unit's."""
    secret(linux)
    agent = compile_agent(
        linux.out,
        "notes",
        'runtime = "native";\n'
        'command = [ "/bin/sh" "-c" "cat \\"$TOKEN_FILE\\" >\\"$HOME/seen\\"; exec sleep 300" ];\n'
        'waivers.raw-shell-launch = "the test reads its secret through a shell";\n'
        'secrets.TOKEN.source = "$HOME/.config/web/token";\n'
        'resources = { memoryMB = 128; cpus = "0.5"; pids = 64; openFiles = 512; };\n',
    )
    result = linux.activate(agent, "--json")
    assert result.returncode == 0, result.stdout
    assert checks(result)["secret-file"]["status"] == "pass"
    unit = "sourceos-agent@notes.service"
    shown = linux.manager.show(unit, "MemoryMax", "TasksMax", "LimitNOFILE", "CPUQuotaPerSecUSec")
    assert shown == {"MemoryMax": str(128 * 1024 * 1024), "TasksMax": "64",
                     "LimitNOFILE": "512", "CPUQuotaPerSecUSec": "500ms"}  # fmt: skip
    seen = linux.home / "seen"
    for _ in range(50):
        if seen.exists() and seen.read_text():
            break
        time.sleep(0.1)
    assert seen.read_text() == TOKEN
    assert TOKEN.encode() not in everything_written(linux, linux.out)  # `seen` is the test's


def test_a_port_rootless_podman_cannot_bind_fails_preflight_not_the_start(
    linux: LinuxHost,
) -> None:
    """`podman create` accepts port 80 for a normal user; only the start would fail."""
    secret(linux)
    result = linux.activate(web_agent(linux, 80), "--dry-run", "--json")
    assert result.returncode == 3, result.stdout
    c = checks(result)["port-free"]
    assert c["status"] == "fail" and "cannot publish a port below 1024" in c["detail"]
    assert "net.ipv4.ip_unprivileged_port_start" in c["remediation"]


def test_cgroup_limits_rootless_podman_would_ignore_fail_preflight(linux: LinuxHost) -> None:
    """On cgroup v1 (this machine) or without delegation, rootless Podman drops memory, CPU
    and pids limits with a warning in its log: preflight says so before anything runs."""
    info = linux.run(["podman", "info", "--format", "{{.Host.CgroupsVersion}}"]).stdout.strip()
    secret(linux)
    result = linux.activate(web_agent(linux, _free_port(), "resources.memoryMB = 64;\n"),
                            "--dry-run", "--json")  # fmt: skip
    c = checks(result)["resource-limits"]
    if info == "v1":
        assert c["status"] == "fail", (info, c)
        assert result.returncode == 3 and c["status"] == "fail", c
        assert "cgroup v1 ignores memory, CPU and pids limits" in c["detail"]
        assert "systemd.unified_cgroup_hierarchy=1" in c["remediation"]
    else:
        assert c["status"] in ("pass", "fail") and "memory" in c["detail"], c


def test_rootful_podman_applies_the_limits_the_wrapper_passes(tmp_path: Path, root_store) -> None:
    """A system agent's container, started by its wrapper as root: the limits are in `podman
    inspect`, and preflight says rootful Podman applies them."""
    agent = compile_agent(
        tmp_path / "out", "sys",
        'scope = "system";\nwaivers.unjustified-system-scope = "a test of system scope";\n'
        f'image = "{IMAGE}";\nauth.mode = "none";\ncommand = [ "/bin/sleep" "300" ];\n'
        "podman = { connection = null; requireMachine = false; };\n"
        'resources = { memoryMB = 64; cpus = "0.5"; pids = 64; };\n',
    )  # fmt: skip
    state = tmp_path / "state"
    env = {**os.environ, "SOURCEOS_AGENT_PLATFORM": "linux", "HOME": str(tmp_path),
           "SOURCEOS_AGENT_ROOT": str(tmp_path / "root"), **root_store.env,
           "SOURCEOS_AGENT_MANAGER": "launchd", "SOURCEOS_AGENT_STATE_DIR": str(state)}  # fmt: skip
    result = subprocess.run([str(agent / "bin" / "activate"), "--dry-run", "--json"], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert checks(result)["resource-limits"]["status"] == "pass"
    wrapper = subprocess.Popen([str(agent / "bin" / "sourceos-agent-sys")], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        for _ in range(100):
            if root_store.container_state("sys") == "running":
                break
            time.sleep(0.1)
        inspect = root_store.podman("container", "inspect", "sys")
        config = json.loads(inspect.stdout)[0]["HostConfig"]
        assert config["Memory"] == 64 * 1024 * 1024 and config["PidsLimit"] == 64
        assert config["NanoCpus"] == 500_000_000
    finally:
        root_store.podman("rm", "-f", "-t", "0", "sys", check=False)
        wrapper.wait(timeout=60)
