# nix-darwin: postActivation runs as root, so a user agent is activated inside its user's
# gui/<uid> launchd domain (launchctl asuser + sudo -u), never as a root-owned LaunchAgent.
agentc:
{ config, lib, pkgs, ... }:
let
  cfg = config.sourceos.localAgents;
  common = import ./common.nix { inherit lib pkgs; agentc = agentc pkgs; agents = cfg; };
  line = name:
    let a = common.enabled.${name}; in
    if a.scope == "system" then common.activateLine "" name
    else if a.user == null then throw "sourceos.localAgents.${name}: a user-scope agent needs `user`"
    else common.activateLine
      "/bin/launchctl asuser $(/usr/bin/id -u ${a.user}) /usr/bin/sudo -u ${a.user} -H"
      name;
in
{
  options = import ./options.nix { inherit lib; };
  config = lib.mkIf (common.names != [ ]) {
    environment.systemPackages = [ (agentc pkgs) ];
    system.activationScripts.postActivation.text = lib.mkAfter ''
      mkdir -p /nix/var/nix/gcroots/sourceos-agents
      ln -sfn ${common.compiled} /nix/var/nix/gcroots/sourceos-agents/current
      ${lib.concatMapStrings line common.names}
    '';
  };
}
