# NixOS: system agents are activated by root; user agents as their owning user, never
# root-owned. `nixos-rebuild dry-activate` runs each agent's bin/activate --dry-run.
agentc:
{ config, lib, pkgs, ... }:
let
  cfg = config.sourceos.localAgents;
  common = import ./common.nix { inherit lib pkgs; agentc = agentc pkgs; agents = cfg; };
  # `user` is a shell word (escaped, or a quoted variable).
  asUser = user: "${pkgs.util-linux}/bin/runuser -u ${user} -- env XDG_RUNTIME_DIR=/run/user/$(id -u ${user})";
  dry = "$([ \"\${NIXOS_ACTION:-}\" = dry-activate ] && echo --dry-run)";
in
{
  _file = ./nixos.nix;
  key = "agentc/nixos";
  options = import ./options.nix { inherit lib; };
  config = {
    environment.systemPackages = lib.mkIf (common.names != [ ]) [ (agentc pkgs) ];
    system.activationScripts.sourceos-local-agents = {
      deps = [ "users" "groups" ];
      supportsDryActivation = true;
      text = ''
        ${lib.optionalString (common.names != [ ]) ''
          if [ "''${NIXOS_ACTION:-}" != dry-activate ]; then
            mkdir -p /nix/var/nix/gcroots/sourceos-agents
            ln -sfn ${common.compiled} /nix/var/nix/gcroots/sourceos-agents/current
          fi
        ''}
        ${common.retire asUser dry "/var/lib/sourceos/nix-agents"}
        ${common.systemActivation asUser dry}
      '';
    };
  };
}
