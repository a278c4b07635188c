"""A `podman` shim: simulates the machine layer and `--connection`, hands the rest to real Podman.

Linux has no Podman machine (and root may not run `podman machine` at all), so
machine states and remote connections come from the scenario file named by
$FAKE_PODMAN_SCENARIO:

    {"machines": {"podman-machine-default": "running"},        # or "stopped"; absent = missing
     "connections": {"podman-machine-default": "ok"},          # or "refused"; absent = undefined
     "default_connection": "podman-machine-default",           # what a call without one uses
     "container_states": {"node-commander": "stopping"}}       # forced `container inspect` state

Every call is appended to $FAKE_PODMAN_SCENARIO.calls (one JSON argv per line).
A call through an "ok" connection runs against the local real Podman, unless the connection
is a machine's (same name, as `podman machine init` names it) and that machine is not
running: on a Mac, Podman's every container call goes to the machine's VM, and a stopped
VM's forwarded port refuses the connection (measured: `podman ps` after `podman machine
stop` exits 125, "connect: connection refused").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

REAL = os.environ.get("REAL_PODMAN") or "podman"  # the hosts set it to the real one's path


def _scenario() -> dict:
    path = os.environ.get("FAKE_PODMAN_SCENARIO")
    if not path:
        return {}
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {}


def _save(scenario: dict) -> None:
    path = os.environ["FAKE_PODMAN_SCENARIO"]
    with open(path + ".tmp", "w") as fh:
        json.dump(scenario, fh)
    os.replace(path + ".tmp", path)


def _machine(scenario: dict, args: list[str]) -> int:
    machines = scenario.setdefault("machines", {})
    if os.environ.get("FAKE_PODMAN_ROOT_REFUSES") == "1":
        sys.stderr.write(f'Error: cannot run command "podman machine {args[0]}" as root\n')
        return 125
    verb, rest = args[0], [a for a in args[1:] if not a.startswith("--format")]
    fmt = next((a.split("=", 1)[1] for a in args if a.startswith("--format=")), None)
    if "--format" in args:
        fmt = args[args.index("--format") + 1]
        rest = [a for a in rest if a != fmt]
    name = rest[0] if rest else "podman-machine-default"
    if verb == "list":
        for n, state in sorted(machines.items()):
            print(f"{n}\t{state}")
        return 0
    if name not in machines:
        if verb == "inspect":
            print("[]")
        sys.stderr.write(f"Error: {name}: VM does not exist\n")
        return 125
    if verb == "inspect":
        state = machines[name]
        if fmt and "State" in fmt:
            print(state)
        else:
            print(json.dumps([{"Name": name, "State": state}], indent=4))
        return 0
    if verb in ("start", "stop"):
        machines[name] = "running" if verb == "start" else "stopped"
        _save(scenario)
        return 0
    sys.stderr.write(f"Error: unsupported machine verb in the shim: {verb}\n")
    return 125


def main(argv: list[str]) -> int:
    scenario = _scenario()
    if os.environ.get("FAKE_PODMAN_SCENARIO"):
        with open(os.environ["FAKE_PODMAN_SCENARIO"] + ".calls", "a") as log:
            log.write(json.dumps(argv) + "\n")
    args = list(argv)
    connection = None
    if args[:1] == ["--connection"] or args[:1] == ["-c"]:
        connection, args = args[1], args[2:]
    elif args and args[0].startswith("--connection="):
        connection, args = args[0].split("=", 1)[1], args[1:]
    if args[:1] == ["machine"]:
        return _machine(scenario, args[1:])
    # What the client answers itself (its version, its connection list, the credentials it
    # would send) needs no connection; everything else goes to the machine.
    if connection is None and args[:1] not in (["--version"], ["system"], ["login"], ["logout"]):
        connection = scenario.get("default_connection")
    if connection is not None:
        state = scenario.get("connections", {}).get(connection)
        machine = scenario.get("machines", {}).get(connection)
        if state == "ok" and connection in scenario.get("machines", {}) and machine != "running":
            state = "refused"
        if state is None:
            sys.stderr.write(f'Error: failed to resolve connection "{connection}"\n')
            return 125
        if state != "ok":
            sys.stderr.write(
                "Error: unable to connect to Podman socket: failed to connect: dial tcp"
                " 127.0.0.1:58123: connect: connection refused\n"
            )
            return 125
    forced = scenario.get("container_states", {})
    fmt = args[args.index("--format") + 1] if "--format" in args[:-1] else ""
    if args[:2] == ["container", "inspect"] and args[-1] in forced and "State.Status" in fmt:
        # The forced state in place of the real one, for a container that really exists; the
        # rest of the format (labels) is real, and so is "no such container".
        real = subprocess.run([REAL, *args], capture_output=True, text=True)
        if real.returncode != 0:
            sys.stderr.write(real.stderr)
            return real.returncode
        print(" ".join([forced[args[-1]], *real.stdout.strip().split(" ", 1)[1:]]))
        return 0
    os.execv(REAL, [REAL, *args])
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
