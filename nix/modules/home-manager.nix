# home-manager: activation already runs as the user, after files are written. `run` (not the
# deprecated $DRY_RUN_CMD) for what writes; a dry run runs each agent's bin/activate --dry-run.
agentc:
{ config, lib, pkgs, options, ... }:
let
  cfg = config.sourceos.localAgents;
  common = import ./common.nix {
    inherit lib pkgs;
    agentc = agentc pkgs;
    agents = cfg;
    definitions = options.sourceos.localAgents.definitionsWithLocations;
  };
in
{
  _file = ./home-manager.nix;
  key = "agentc/home-manager";
  options = import ./options.nix { inherit lib; };
  config = {
    home.packages = lib.mkIf (common.names != [ ]) [ (agentc pkgs) ];
    home.activation.sourceosLocalAgents = lib.hm.dag.entryAfter [ "writeBoundary" ] ''
      ${lib.optionalString (common.names != [ ]) ''
        gcroots=/nix/var/nix/gcroots/per-user/$USER
        if [ -d "$gcroots" ]; then
          run ln -sfn ${common.compiled} "$gcroots/sourceos-agents"
        fi
      ''}
      ${common.retire (_: "") "\${DRY_RUN:+--dry-run}" "\"\${XDG_STATE_HOME:-$HOME/.local/state}/sourceos/nix-agents\""}
      ${common.activateAll (map (common.activateLine "" "\${DRY_RUN:+--dry-run}") common.names)}
    '';
  };
}
