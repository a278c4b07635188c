# Shared by the NixOS, nix-darwin and home-manager modules: compile the enabled agents once,
# at build time, and write the lines that run each agent's guarded bin/activate.
{ lib, pkgs, agentc, agents }:
let
  declarationLib = import ../lib/declaration.nix;
  enabled = lib.filterAttrs (_: a: a.enable) agents;
  text = declarationLib.toAgentText (declarationLib.toDeclaration enabled);
  declarations = pkgs.writeTextDir "sourceos-agents.agent" text;
  compiled = import ../lib/compile-agents.nix { inherit (pkgs) runCommand; inherit agentc; } {
    declarations = [ "${declarations}/sourceos-agents.agent" ];
  };
  # A failed preflight stages the agent and exits 3; that is reported, never fatal to the switch.
  activateLine = prefix: name: ''
    ${prefix} ${compiled}/${name}/bin/activate || echo "sourceos: agent ${name} not activated (exit $?); see: sourceos-agent status ${name}" >&2
  '';
in
{
  inherit compiled enabled activateLine;
  names = lib.attrNames enabled;
}
