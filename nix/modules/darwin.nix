# nix-darwin: postActivation runs as root, so a user agent is activated inside its user's
# gui/<uid> launchd domain (launchctl asuser + sudo -u), never as a root-owned LaunchAgent.
# A user agent without `user` belongs to system.primaryUser.
agentc:
{ config, lib, pkgs, options, ... }:
let
  cfg = config.sourceos.localAgents;
  common = import ./common.nix {
    inherit lib pkgs;
    agentc = agentc pkgs;
    agents = cfg;
    definitions = options.sourceos.localAgents.definitionsWithLocations;
    defaultUser = config.system.primaryUser or null;
  };
  # `user` is a shell word (escaped, or a quoted variable).
  asUser = user: "/bin/launchctl asuser $(/usr/bin/id -u ${user}) /usr/bin/sudo -u ${user} -H";
in
{
  _file = ./darwin.nix;
  key = "agentc/darwin";
  options = import ./options.nix { inherit lib; };
  config = {
    environment.systemPackages = lib.mkIf (common.names != [ ]) [ (agentc pkgs) ];
    system.activationScripts.postActivation.text = lib.mkAfter ''
      ${lib.optionalString (common.names != [ ]) ''
        mkdir -p /nix/var/nix/gcroots/sourceos-agents
        ln -sfn ${common.compiled} /nix/var/nix/gcroots/sourceos-agents/current
      ''}
      ${common.retire asUser "" "/var/lib/sourceos/nix-agents"}
      ${common.systemActivation asUser ""}
    '';
  };
}
