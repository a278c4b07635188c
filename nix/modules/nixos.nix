# NixOS: system agents are activated by root; user agents as their owning user, never root-owned.
agentc:
{ config, lib, pkgs, ... }:
let
  cfg = config.sourceos.localAgents;
  common = import ./common.nix { inherit lib pkgs; agentc = agentc pkgs; agents = cfg; };
  asUser = user: "${pkgs.util-linux}/bin/runuser -u ${user} -- env XDG_RUNTIME_DIR=/run/user/$(id -u ${user})";
in
{
  options = import ./options.nix { inherit lib; };
  config = lib.mkIf (common.names != [ ]) {
    environment.systemPackages = [ (agentc pkgs) ];
    system.activationScripts.sourceos-local-agents = {
      deps = [ "users" "groups" ];
      text = ''
        mkdir -p /nix/var/nix/gcroots/sourceos-agents
        ln -sfn ${common.compiled} /nix/var/nix/gcroots/sourceos-agents/current
        ${common.systemActivation asUser}
      '';
    };
  };
}
