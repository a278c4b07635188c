# home-manager: activation already runs as the user, after files are written.
agentc:
{ config, lib, pkgs, ... }:
let
  cfg = config.sourceos.localAgents;
  common = import ./common.nix { inherit lib pkgs; agentc = agentc pkgs; agents = cfg; };
in
{
  options = import ./options.nix { inherit lib; };
  config = lib.mkIf (common.names != [ ]) {
    home.packages = [ (agentc pkgs) ];
    home.activation.sourceosLocalAgents = lib.hm.dag.entryAfter [ "writeBoundary" ] ''
      gcroots=/nix/var/nix/gcroots/per-user/$USER
      if [ -d "$gcroots" ]; then
        $DRY_RUN_CMD ln -sfn ${common.compiled} "$gcroots/sourceos-agents"
      fi
      ${lib.concatMapStrings (common.activateLine "$DRY_RUN_CMD") common.names}
    '';
  };
}
