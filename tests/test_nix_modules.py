"""The Nix modules under the real module system: nixpkgs' `lib.evalModules` and types,
home-manager's `hm.dag` and `home.activation` as home-manager declares it, and NixOS's
`system.activationScripts` declared as nixpkgs does (../shared/nix-inputs). `pkgs` is the
stand-in in tests/nix/fake-nixpkgs (named stub derivations: nothing is built here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, agentc, require_tool
from tests.test_nix import FAKE_NIXPKGS, nix

pytestmark = pytest.mark.real

INPUTS = ROOT.parent / "shared" / "nix-inputs"

AGENTS_FILE = "/home/alice/.config/home-manager/agents.nix"  # where the user wrote them
AGENTS = """{
  node-commander = { image = "localhost/socioprophet/node-commander:dev-boot"; };
  notes = { runtime = "native"; command = [ "/usr/bin/notes-sync" ]; user = "o'brien"; };
}"""


def _home_manager(agents: str, agentc: str, packages: str, result: str) -> str:
    """A home-manager configuration: `home.activation` and `home.packages` as home-manager's
    modules/home-environment.nix declares them, our module (imported twice: its `key` makes
    that one import), the agents; `result` is an expression over `eval`."""
    return f"""
    let
      lib = (import {INPUTS}/nixpkgs-lib/lib).extend
        (self: super: {{ hm = import {INPUTS}/home-manager/modules/lib {{ lib = self; }}; }});
      pkgs = import {FAKE_NIXPKGS}/pkgs.nix {{ }};
      agentc = pkgs: {agentc};
      eval = lib.evalModules {{
        modules = [
          {{
            options.home.activation = lib.mkOption {{
              type = lib.hm.types.dagOf lib.types.str; default = {{ }};
            }};
            options.home.packages = lib.mkOption {{
              type = lib.types.listOf lib.types.{packages}; default = [ ];
            }};
            config._module.args.pkgs = pkgs;
          }}
          (import {ROOT}/nix/modules/home-manager.nix agentc)
          (import {ROOT}/nix/modules/home-manager.nix agentc)
          {{ _file = "{AGENTS_FILE}"; sourceos.localAgents = {agents}; }}
        ];
      }};
      decl = import {ROOT}/nix/lib/declaration.nix;
    in {result}
    """


HOME_MANAGER = _home_manager(
    AGENTS,
    "pkgs.podman",  # a stub derivation standing in for the package
    "package",
    """{
      activation = eval.config.home.activation.sourceosLocalAgents.data;
      after = eval.config.home.activation.sourceosLocalAgents.after;
      text = decl.toAgentText (decl.toDeclaration eval.config.sourceos.localAgents);
      logs = eval.config.sourceos.localAgents.notes.logs;
    }""",
)

NIXOS = f"""
let
  lib = import {INPUTS}/nixpkgs-lib/lib;
  pkgs = import {FAKE_NIXPKGS}/pkgs.nix {{ }};
  agentc = pkgs: pkgs.podman;
  script = lib.types.submodule {{ options = {{
    text = lib.mkOption {{ type = lib.types.lines; }};
    deps = lib.mkOption {{ type = lib.types.listOf lib.types.str; default = [ ]; }};
    supportsDryActivation = lib.mkOption {{ type = lib.types.bool; default = false; }};
  }}; }};
  eval = lib.evalModules {{
    modules = [
      {{
        # as nixpkgs' nixos/modules/system/activation/activation-script.nix declares it
        options.system.activationScripts = lib.mkOption {{
          type = lib.types.attrsOf (lib.types.either lib.types.str script); default = {{ }};
        }};
        options.environment.systemPackages = lib.mkOption {{
          type = lib.types.listOf lib.types.package; default = [ ];
        }};
        # nixpkgs' systemd.services is a submodule of many options; these are the ones used
        options.systemd.services = lib.mkOption {{
          type = lib.types.attrsOf lib.types.anything; default = {{ }};
        }};
        options.system.build = lib.mkOption {{
          type = lib.types.lazyAttrsOf lib.types.unspecified; default = {{ }};
        }};
        config._module.args.pkgs = pkgs;
      }}
      (import {ROOT}/nix/modules/nixos.nix agentc)
      {{ sourceos.localAgents = {AGENTS}; }}
      {{ sourceos.localAgents.node-commander.user = "alice"; }}
    ];
  }};
in {{
  script = eval.config.system.activationScripts.sourceos-local-agents;
  service = eval.config.systemd.services.sourceos-local-agents;
}}
"""


def _eval(expr: str) -> object:
    result = nix(require_tool("nix-instantiate"), "--eval", "--strict", "--json",
                 "--option", "substitute", "false", "-E", expr)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_home_manager_module_under_the_real_module_system(tmp_path: Path) -> None:
    """Through home-manager's real dag type: each agent's line runs bin/activate with the
    tools' PATH first, `--dry-run` in a dry run (`$DRY_RUN`), names escaped; writes go through
    `run`; and every agent gets its own logs, as `agentc dump` says (the module leaves them to
    the compiler)."""
    out = _eval(HOME_MANAGER)
    assert out["after"] == ["writeBoundary"]
    text = out["activation"]
    assert "run ln -sfn" in text and "DRY_RUN_CMD" not in text
    lines = [line for line in text.splitlines() if "/bin/activate" in line]
    assert len(lines) == 2
    for name, line in zip(("node-commander", "notes"), lines, strict=True):
        assert line.strip().startswith("env PATH=")
        assert "-coreutils/bin:" in line and "-gawk/bin:" in line and "-gnused/bin:" in line
        assert f"/{name}/bin/activate ${{DRY_RUN:+--dry-run}} ||" in line
    assert out["logs"] == {
        "app": None, "stderr": None, "stdout": None, "maxSizeMB": 10, "keep": 5
    }  # fmt: skip
    decl = tmp_path / "from-module.agent"
    decl.write_text(out["text"])
    dumped = json.loads(agentc("dump", str(decl)).stdout)
    logs = {n: e["launchd"]["logs"]["app"] for n, e in dumped["effective"].items()}
    assert logs == {
        "node-commander": "$HOME/Library/Logs/SourceOS/node-commander.log",
        "notes": "$HOME/Library/Logs/SourceOS/notes.log",
    }


def test_nixos_module_supports_dry_activation_and_escapes_the_user() -> None:
    script = _eval(NIXOS)["script"]
    assert script["supportsDryActivation"] is True
    text = script["text"]
    assert 'if [ "${NIXOS_ACTION:-}" != dry-activate ]; then' in text
    assert "runuser -u 'o'\\''brien' --" in text  # lib.escapeShellArg, not a raw name
    assert '$([ "${NIXOS_ACTION:-}" = dry-activate ] && echo --dry-run)' in text


def test_nixos_activates_at_boot_once_systemd_answers() -> None:
    """At boot the activation script runs before systemd: it activates only when the manager
    answers (a switch), else leaves it to a oneshot unit that runs the same lines (without
    --dry-run) once the system is up, and that a switch does not restart."""
    out = _eval(NIXOS)
    text, service = out["script"]["text"], out["service"]
    guard = text.index("/bin/systemctl is-system-running 2>/dev/null) in")
    assert text.index("running | degraded | maintenance)", guard) < text.index("/bin/activate")
    assert "activated by sourceos-local-agents.service once systemd runs" in text
    assert service["wantedBy"] == ["multi-user.target"]
    assert service["serviceConfig"] == {"Type": "oneshot", "RemainAfterExit": True}
    assert service["restartIfChanged"] is False
    script = service["script"]
    for name in ("node-commander", "notes"):
        line = next(x for x in script.splitlines() if f"/{name}/bin/activate" in x)
        assert "--dry-run" not in line and "NIXOS_ACTION" not in line
    assert "/var/lib/sourceos/nix-agents" in script  # it retires removed agents too


DARWIN = f"""
let
  lib = import {INPUTS}/nixpkgs-lib/lib;
  pkgs = import {FAKE_NIXPKGS}/pkgs.nix {{ }};
  agentc = pkgs: pkgs.podman;
  # nix-darwin's own: the activation-script submodule and system.primaryUser
  script = import {INPUTS}/nix-darwin/modules/lib/write-text.nix {{
    inherit lib; mkTextDerivation = name: text: pkgs.podman;
  }};
  eval = lib.evalModules {{
    modules = [
      {INPUTS}/nix-darwin/modules/system/primary-user.nix
      {{
        options.system.activationScripts = lib.mkOption {{
          type = lib.types.attrsOf (lib.types.submodule script); default = {{ }};
        }};
        options.environment.systemPackages = lib.mkOption {{
          type = lib.types.listOf lib.types.package; default = [ ];
        }};
        options.users.users = lib.mkOption {{ type = lib.types.attrs; default = {{ }}; }};
        options.assertions = lib.mkOption {{
          type = lib.types.listOf lib.types.attrs; default = [ ];
        }};
        config._module.args.pkgs = pkgs;
        config.system.primaryUser = "ann o'hara";
      }}
      (import {ROOT}/nix/modules/darwin.nix agentc)
      {{ sourceos.localAgents = {AGENTS}; }}
    ];
  }};
in eval.config.system.activationScripts.postActivation.text
"""


def test_darwin_module_activates_a_user_agent_as_the_primary_user() -> None:
    """nix-darwin's system.primaryUser is the default user of a user-scope agent; every user
    name reaches root's script through lib.escapeShellArg."""
    text = _eval(DARWIN)
    lines = [line for line in text.splitlines() if "/bin/activate" in line]
    by_agent = {name: next(line for line in lines if f"/{name}/bin/activate" in line)
                for name in ("node-commander", "notes")}  # fmt: skip
    assert "/usr/bin/sudo -u 'ann o'\\''hara' -H env PATH=" in by_agent["node-commander"]
    assert "/usr/bin/sudo -u 'o'\\''brien' -H env PATH=" in by_agent["notes"]


def _generation(tmp_path: Path, tag: str, agents: str) -> Path:
    """Build one home-manager generation's activation text (its compiled agents built for
    real, by this checkout's agentc) and return the script."""
    from tests.test_nix import OFFLINE, _agentc_prefix

    expr = _home_manager(
        agents,
        json.dumps(_agentc_prefix()),  # this checkout's agentc, by path
        "unspecified",
        'pkgs.writeTextDir "activate.sh" eval.config.home.activation.sourceosLocalAgents.data',
    )
    built = nix(require_tool("nix-build"), *OFFLINE, "--no-out-link", "-E", expr)
    assert built.returncode == 0, built.stderr
    script = tmp_path / f"{tag}.sh"
    script.write_text(
        'run() { "$@"; }\n'
        + (Path(built.stdout.strip().splitlines()[-1]) / "activate.sh").read_text()
    )
    return script


def test_the_next_generation_uninstalls_the_agents_that_left_or_were_disabled(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Two, then three home-manager generations on the launchd simulator: an agent removed
    from the configuration, then one set to enable = false, is uninstalled by the next
    switch; the one that stays keeps running; a dry run only says what it would do. (The
    generations are built first, on this Linux machine: the simulated Mac has no
    systemd-analyze, which the stand-in pkgs take from the host.)"""
    import subprocess

    unique = str(tmp_path)  # in each declaration, so no earlier build output is reused

    def agent(name: str, extra: str = "") -> str:
        return (f'{name} = {{ runtime = "native"; command = [ "/bin/sleep" "300" ];'
                f' description = "{unique}"; {extra} }};')  # fmt: skip

    def switch(script: Path, dry: bool = False) -> subprocess.CompletedProcess:
        env = {**darwin.env, **({"DRY_RUN": "1"} if dry else {})}
        return subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True,
                              timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip

    def labels() -> list[str]:
        return sorted(j["label"] for j in darwin.loaded())

    first = _generation(tmp_path, "g1", "{ " + agent("keeper") + agent("leaver") + " }")
    second = _generation(tmp_path, "g2", "{ " + agent("keeper") + " }")
    third = _generation(tmp_path, "g3", "{ " + agent("keeper", "enable = false;") + " }")
    darwin = request.getfixturevalue("darwin")
    assert switch(first).returncode == 0
    assert labels() == ["org.sourceos.agent.keeper", "org.sourceos.agent.leaver"]
    dry = switch(second, dry=True)
    assert "sourceos: would uninstall agent leaver" in dry.stdout
    assert labels() == ["org.sourceos.agent.keeper", "org.sourceos.agent.leaver"]
    result = switch(second)
    assert result.returncode == 0, result.stdout + result.stderr
    assert labels() == ["org.sourceos.agent.keeper"]
    assert not darwin.plist_path("org.sourceos.agent.leaver").exists()
    assert not darwin.state_dir("leaver").exists()
    assert switch(third).returncode == 0
    assert labels() == []
    assert not darwin.plist_path("org.sourceos.agent.keeper").exists()


def test_each_agent_is_its_own_derivation_and_an_error_names_it(tmp_path: Path) -> None:
    """A policy error fails the build with the diagnostic in the agent's own file, and the
    good agent's derivation is a separate one (a change to one rebuilds only it)."""
    from tests.test_nix import OFFLINE, _agentc_prefix

    good = (
        f'good = {{ runtime = "native"; command = [ "/bin/true" ]; description = "{tmp_path}"; }};'
    )
    bad = 'bad = { runtime = "native"; command = [ "/bin/true" ]; logs.stdout = "/tmp/bad.log"; };'
    expr = _home_manager(
        "{ " + good + bad + " }",
        json.dumps(_agentc_prefix()),
        "unspecified",
        'pkgs.writeTextDir "activate.sh" eval.config.home.activation.sourceosLocalAgents.data',
    )
    built = nix(require_tool("nix-build"), *OFFLINE, "--no-out-link", "-E", expr)
    assert built.returncode != 0
    lines = built.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if "error[AG103/log-in-tmp]" in line)
    assert "./bad.agent:" in lines[at]
    # The option, as the user wrote it, and the file the module system says defined it.
    assert any(
        line.strip() == "option: sourceos.localAgents.bad.logs.stdout, defined in " + AGENTS_FILE
        for line in lines[at + 1 : at + 8]
    ), "\n".join(lines[at : at + 8])
    assert "sourceos-agent-good.drv" in built.stderr  # built on its own


def test_the_fleet_example_evaluates_two_hosts_sharing_agent_derivations(tmp_path: Path) -> None:
    """examples/fleet (docs/fleet.md), as a flake: each host activates the shared agents plus
    its own, without the ones it turns off; an agent declared alike on both hosts (its user
    is how a host activates it, not part of it) is the same derivation on both, which a
    remote builder or a binary cache builds once."""
    import re
    import shutil

    from tests.test_nix import FLAKES, OFFLINE

    # nixpkgs: the real lib, a nixosSystem over the NixOS options the module sets, stand-in pkgs
    nixpkgs = tmp_path / "nixpkgs"
    shutil.copytree(ROOT / "tests" / "nix" / "nixos-standin", nixpkgs)
    shutil.copytree(INPUTS / "nixpkgs-lib" / "lib", nixpkgs / "lib")
    shutil.copy(FAKE_NIXPKGS / "pkgs.nix", nixpkgs / "pkgs.nix")
    apply = (
        "hosts: builtins.mapAttrs (n: h: {"
        " name = h.config.networking.hostName;"
        " text = h.config.system.activationScripts.sourceos-local-agents.text;"
        " agents = builtins.mapAttrs (_: d: d.drvPath) h.config.system.build.sourceosAgents;"
        " }) hosts"
    )
    result = nix(
        require_tool("nix"), *FLAKES, "eval", "--json", *OFFLINE, "--no-write-lock-file",
        "--override-input", "nixpkgs", f"path:{nixpkgs}",
        "--override-input", "agentc", f"git+file://{ROOT}",
        f"path:{ROOT / 'examples' / 'fleet'}#nixosConfigurations", "--apply", apply,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    hosts = json.loads(result.stdout)
    assert {n: h["name"] for n, h in hosts.items()} == {"builder": "builder", "edge": "edge"}

    def activated(host: str) -> list[str]:
        return sorted(re.findall(r"/([a-z-]+)/bin/activate", hosts[host]["text"]))

    assert activated("builder") == ["indexer", "metrics-exporter"]
    assert activated("edge") == ["metrics-exporter", "notes-sync"]
    assert "runuser -u edge-ops --" in hosts["edge"]["text"]
    builder, edge = hosts["builder"]["agents"], hosts["edge"]["agents"]
    assert set(builder) == {"indexer", "metrics-exporter"}
    assert builder["metrics-exporter"] == edge["metrics-exporter"]


def test_home_manager_activation_runs_the_same_under_its_own_path(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """home-manager runs activation with PATH = its activationBinPaths (bash, coreutils,
    diffutils, findutils, gettext, grep, sed, jq, ncurses): no awk, no launchctl. Under that
    PATH (the stand-in packages hold the host's programs; the simulated Mac's /bin, where
    launchctl lives, after it) the generation activates its agent exactly as under a full
    PATH."""
    import subprocess

    from tests.test_nix import OFFLINE

    script = _generation(
        tmp_path, "g", '{ solo = { runtime = "native"; command = [ "/bin/sleep" "300" ];'
        f' description = "{tmp_path}"; }}; }}',
    )  # fmt: skip
    built = nix(
        require_tool("nix-build"), *OFFLINE, "--no-out-link", "-E",
        f"with import {FAKE_NIXPKGS}/pkgs.nix {{ }};"
        " [ bash coreutils diffutils findutils gettext gnugrep gnused jq ncurses ]",
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    hm_path = ":".join(f"{p}/bin" for p in built.stdout.split())
    darwin = request.getfixturevalue("darwin")

    def activate(path: str) -> tuple[int, list[str], str, str]:
        run = subprocess.run(["bash", str(script)], env={**darwin.env, "PATH": path},
                             capture_output=True, text=True, timeout=300,
                             stdin=subprocess.DEVNULL)  # fmt: skip
        status = subprocess.run(
            [str(darwin.state_dir("solo") / "bin" / "agentctl"), "status", "--json"],
            env=darwin.env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        state = json.loads(status.stdout)["state"] if status.stdout.startswith("{") else ""
        labels = sorted(j["label"] for j in darwin.loaded())
        return run.returncode, labels, state, run.stderr

    own = activate(f"{hm_path}:{darwin.bin}")
    assert "not found" not in own[3], own[3]
    uninstall = subprocess.run(
        [str(darwin.state_dir("solo") / "bin" / "agentctl"), "uninstall"],
        env=darwin.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert uninstall.returncode == 0, uninstall.stdout + uninstall.stderr
    full = activate(darwin.env["PATH"])
    assert own[:3] == full[:3] == (0, ["org.sourceos.agent.solo"], "running"), (own, full)


# nixpkgs' nixos/modules/system/activation/activation-script.nix: the PATH activation runs with
NIXOS_ACTIVATION_PATH = "coreutils gnugrep findutils getent glibc shadow nettools util-linux"


def test_nixos_dry_activate_shows_each_agents_dry_run_under_the_nixos_path(
    tmp_path: Path,
) -> None:
    """The NixOS activation text, built, run as `nixos-rebuild dry-activate` runs it: as root,
    NIXOS_ACTION=dry-activate, PATH = NixOS's activation path (the stand-in packages hold the
    host's programs). The manager answers (a stand-in systemctl says `running`, as on a
    switch), so each agent's bin/activate --dry-run reports; nothing is written; the output
    is the same under a full PATH."""
    import os
    import subprocess

    from tests.test_nix import OFFLINE, _agentc_prefix

    native = f'runtime = "native"; command = [ "/bin/sleep" "300" ]; description = "{tmp_path}";'
    agents = (
        f'{{ sys = {{ {native} scope = "system"; waivers.unjustified-system-scope = "a test"; }};'
        f' usr = {{ {native} user = "root"; }}; }}'
    )
    # The NixOS evaluation above, with this checkout's agentc and a systemd whose systemctl
    # says the manager is up; built to the text a switch runs.
    expr = (
        NIXOS.replace("agentc = pkgs: pkgs.podman;",
                      f"agentc = pkgs: {json.dumps(_agentc_prefix())};")
        .replace(f"sourceos.localAgents = {AGENTS};", f"sourceos.localAgents = {agents};")
        .replace('{ sourceos.localAgents.node-commander.user = "alice"; }', "")
        .replace("pkgs = import", "fake = import")
        .replace("in {\n  script =", "in {\n  script =")
    )  # fmt: skip
    expr = expr.replace(
        f"fake = import {FAKE_NIXPKGS}/pkgs.nix {{ }};",
        f"fake = import {FAKE_NIXPKGS}/pkgs.nix {{ }};\n"
        "  pkgs = fake // { systemd = fake.runCommand \"systemd\" { } ''\n"
        "    mkdir -p $out/bin\n"
        "    printf '#!/bin/sh\\n[ \"$1\" = is-system-running ] && echo running\\n'"
        " > $out/bin/systemctl\n"
        "    chmod +x $out/bin/systemctl\n  ''; };",
    )
    build = expr.rsplit("in {", 1)[0] + (
        'in fake.writeTextDir "activate.sh"'
        " eval.config.system.activationScripts.sourceos-local-agents.text"
    )
    built = nix(require_tool("nix-build"), *OFFLINE, "--no-out-link", "-E", build)
    assert built.returncode == 0, built.stderr
    script = Path(built.stdout.strip().splitlines()[-1]) / "activate.sh"
    tools = nix(
        require_tool("nix-build"), *OFFLINE, "--no-out-link", "-E",
        f"with import {FAKE_NIXPKGS}/pkgs.nix {{ }}; [ {NIXOS_ACTIVATION_PATH} ]",
    )  # fmt: skip
    assert tools.returncode == 0, tools.stderr
    nixos_path = ":".join(f"{p}/bin" for p in tools.stdout.split())
    root = tmp_path / "root"
    root.mkdir()
    before = sorted(str(p) for p in tmp_path.rglob("*"))

    def dry_activate(path: str) -> subprocess.CompletedProcess:
        env = {
            "PATH": path, "NIXOS_ACTION": "dry-activate", "SOURCEOS_AGENT_ROOT": str(root),
            "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
            "LANG": "C",
        }  # fmt: skip
        return subprocess.run(["/bin/sh", str(script)], env=env, capture_output=True,
                              text=True, timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip

    own = dry_activate(nixos_path)
    assert own.returncode == 0, own.stderr
    # bin/activate's report for each agent (its preflight fails here: no system manager and
    # no user manager for root run on this machine; a dry run says so, and writes nothing)
    for name in ("sys", "usr"):
        assert f"{name} preflight: failed" in own.stdout, own.stdout + own.stderr
    assert own.stdout.count("- persistence: nothing installed") == 2, own.stdout
    assert "loginctl enable-linger" not in own.stdout.split("usr preflight")[0]  # not for sys
    assert "not found" not in own.stderr and "parameter not set" not in own.stderr, own.stderr
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before  # nothing written
    full = dry_activate(os.environ["PATH"])
    assert (full.returncode, full.stdout) == (own.returncode, own.stdout)


def test_every_default_through_the_module_system_is_the_compilers(tmp_path: Path) -> None:
    """Two agents given only their image, through the real lib.evalModules and the module's
    option tree: every field of each (derived ones left for agentc) equals what `agentc dump`
    gives the same minimal declaration, its own name where a default holds one."""
    from tests.test_nix import _given

    images = {"demo-agent": "localhost/sourceos/demo-agent:dev", "other": "localhost/other:1"}
    agents = "{ " + " ".join(f'{n} = {{ image = "{i}"; }};' for n, i in images.items()) + " }"
    expr = _home_manager(
        agents, "pkgs.podman", "package", "decl.toDeclaration eval.config.sourceos.localAgents"
    )
    through_modules = _eval(expr)["sourceos"]["localAgents"]
    for name, image in images.items():
        minimal = tmp_path / f"{name}.agent"
        minimal.write_text(f'sourceos.localAgents.{name}.image = "{image}";\n')
        dumped = json.loads(agentc("dump", str(minimal)).stdout)["sourceos"]["localAgents"]
        assert _given(through_modules[name]) == _given(dumped[name]), name
        assert through_modules[name]["containerName"] == dumped[name]["containerName"] == name
