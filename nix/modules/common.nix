# Shared by the NixOS, nix-darwin and home-manager modules: compile the enabled agents once,
# at build time, and write the lines that run each agent's guarded bin/activate.
{ lib, pkgs, agentc, agents }:
let
  declarationLib = import ../lib/declaration.nix;
  enabled = lib.filterAttrs (_: a: a.enable) agents;
  text = declarationLib.toAgentText (declarationLib.toDeclaration enabled);
  declarations = pkgs.writeTextDir "sourceos-agents.agent" text;
  compileAgents = import ../lib/compile-agents.nix (import ../lib/lint-tools.nix pkgs // {
    inherit (pkgs) runCommand;
    inherit agentc;
  });
  compiled = compileAgents {
    declarations = [ "${declarations}/sourceos-agents.agent" ];
  };
  # A failed preflight stages the agent and exits 3; that is reported, never fatal to the switch.
  activateLine = prefix: name: ''
    ${prefix} ${compiled}/${name}/bin/activate || echo "sourceos: agent ${name} not activated (exit $?); see: sourceos-agent status ${name}" >&2
  '';
  # System activation runs as root: a system agent is activated directly, a user agent
  # through `asUser <user>` (the platform's way to enter that user's session).
  systemActivation = asUser: lib.concatMapStrings
    (name:
      let a = enabled.${name}; in
      if a.scope == "system" then activateLine "" name
      else if a.user == null then throw "sourceos.localAgents.${name}: a user-scope agent needs `user` for system activation"
      else activateLine (asUser a.user) name)
    (lib.attrNames enabled);
in
{
  inherit compiled enabled activateLine systemActivation;
  names = lib.attrNames enabled;
}
