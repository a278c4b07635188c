# Shared by the NixOS, nix-darwin and home-manager modules: compile the enabled agents once,
# at build time, and write the lines that run each agent's guarded bin/activate.
{ lib, pkgs, agentc, agents, defaultUser ? null, definitions ? [ ] }:
let
  declarationLib = import ../lib/declaration.nix;
  enabled = lib.filterAttrs (_: a: a.enable) agents;
  compileAgents = import ../lib/compile-agents.nix (import ../lib/lint-tools.nix pkgs // {
    inherit (pkgs) runCommand;
    inherit agentc;
  });
  # One derivation per agent, from its own `<name>.agent`: changing one agent rebuilds only
  # it, and a diagnostic names its agent's file. `compiled` joins them as OUT/<name>.
  perAgent = lib.mapAttrs
    (name: agent:
      let
        text = declarationLib.toAgentText (declarationLib.toDeclaration { ${name} = agent; });
        file = pkgs.writeTextDir "${name}.agent" text;
      in
      compileAgents {
        name = "sourceos-agent-${name}";
        declarations = [ "${file}/${name}.agent" ];
        optionPaths = true;
        definedIn = definedIn name;
      })
    enabled;
  # The files whose definitions of `sourceos.localAgents` name this agent (the module
  # system's `definitionsWithLocations`), for the build's diagnostics.
  definedIn = name: lib.unique (map (d: toString d.file)
    (lib.filter (d: builtins.isAttrs d.value && d.value ? ${name}) definitions));
  compiled = pkgs.runCommand "sourceos-agents" { } ''
    mkdir $out
    ${lib.concatStrings (lib.mapAttrsToList (name: drv: "ln -s ${drv}/${lib.escapeShellArg name} $out/${lib.escapeShellArg name}\n") perAgent)}
  '';
  # The tools bin/activate runs, from pkgs, ahead of whatever PATH the activation environment
  # gives (NixOS and home-manager give a few packages' bin directories, without awk or sed);
  # the service manager and Podman are the host's, which bin/activate looks up itself.
  toolPath = lib.makeBinPath (with pkgs; [ coreutils gnused gawk gnugrep findutils ]);
  # A failed preflight stages the agent and exits 3; that is reported, never fatal to the
  # switch. `dry` is a shell word that expands to --dry-run in a dry activation.
  activateLine = prefix: dry: name: ''
    ${prefix} env PATH=${lib.escapeShellArg toolPath}:"$PATH" ${compiled}/${lib.escapeShellArg name}/bin/activate ${dry} || echo "sourceos: agent "${lib.escapeShellArg name}" not activated (exit $?); see: sourceos-agent status "${lib.escapeShellArg name} >&2
  '';
  # A switch's activation lines, run together: one function per agent (its line), then the
  # runner (../lib/activate-agents.sh), which overlaps their waits and prints each agent's
  # report whole, in this order.
  activateAll = lines: lib.optionalString (lines != [ ]) ''
    ${builtins.readFile ../lib/activate-agents.sh}
    ${lib.concatImapStrings (i: line: "_sourceos_agent_${toString i}() {\n  ${line}}\n") lines}
    sourceos_activate_agents ${lib.concatMapStringsSep " " (i: "_sourceos_agent_${toString i}") (lib.range 1 (lib.length lines))}
  '';
  # System activation runs as root: a system agent is activated directly, a user agent
  # through `asUser <user>` (the platform's way to enter that user's session).
  systemActivation = asUser: dry: activateAll (map
    (name:
      let
        a = enabled.${name};
        user = if a.user != null then a.user else defaultUser;
      in
      if a.scope == "system" then activateLine "" dry name
      else if user == null then throw "sourceos.localAgents.${name}: a user-scope agent needs `user` (or the platform's primary user) for system activation"
      else activateLine (asUser (lib.escapeShellArg user)) dry name)
    (lib.attrNames enabled));
  names = lib.attrNames enabled;
  ownerWord = "\"$owner\"";
  # Each activation records the agents it activated (`name user`, user `-` for a system
  # agent) in `record`; the next one uninstalls every recorded agent that has left the
  # configuration or was disabled, as its user, through `sourceos-agent uninstall` (which
  # removes only what activation installed, and never a container agentc did not make).
  # `asUser` takes a shell word naming the user; `dry` expands to --dry-run in a dry run.
  retire = asUser: dry: record: ''
    if [ -f ${record} ]; then
      while read -r gone owner; do
        case " ${lib.concatMapStringsSep " " lib.escapeShellArg names} " in *" $gone "*) continue ;; esac
        if [ -n "${dry}" ]; then
          echo "sourceos: would uninstall agent $gone (no longer in the configuration)"
        elif [ "$owner" = - ]; then
          ${agentc}/bin/sourceos-agent uninstall "$gone" || echo "sourceos: agent $gone not uninstalled (exit $?)" >&2
        else
          ${asUser ownerWord} ${agentc}/bin/sourceos-agent uninstall "$gone" || echo "sourceos: agent $gone not uninstalled (exit $?)" >&2
        fi
      done < ${record}
    fi
    if [ -z "${dry}" ]; then
      mkdir -p "$(dirname ${record})"
      printf '%s\n' ${lib.concatMapStringsSep " " (n: lib.escapeShellArg "${n} ${owners.${n}}") names} > ${record}
    fi
  '';
  owners = lib.mapAttrs
    (_: a: if a.scope == "system" then "-" else if a.user != null then a.user else if defaultUser != null then defaultUser else "-")
    enabled;
in
{
  inherit compiled perAgent enabled activateLine activateAll systemActivation retire names;
}
