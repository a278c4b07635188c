# NixOS: system agents are activated by root; user agents as their owning user, never
# root-owned. `nixos-rebuild dry-activate` runs each agent's bin/activate --dry-run.
#
# Activation scripts also run at boot, before systemd: then the agents wait for
# sourceos-local-agents.service, which activates them once the manager answers. On a switch
# the activation script does it itself. /etc/systemd/system is in the Nix store: bin/activate
# installs system units in /run/systemd/system and enables them --runtime (it finds the
# directory read-only), so each boot's run of the service installs them again.
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
  # `user` is a shell word (escaped, or a quoted variable).
  asUser = user: "${pkgs.util-linux}/bin/runuser -u ${user} -- env XDG_RUNTIME_DIR=/run/user/$(id -u ${user})";
  # `dry`: a shell word that expands to --dry-run in a dry activation.
  activate = dry: ''
    ${common.retire asUser dry "/var/lib/sourceos/nix-agents"}
    ${common.systemActivation asUser dry}
  '';
  dry = "$([ \"\${NIXOS_ACTION:-}\" = dry-activate ] && echo --dry-run)";
in
{
  _file = ./nixos.nix;
  key = "agentc/nixos";
  options = import ./options.nix { inherit lib; };
  config = {
    environment.systemPackages = lib.mkIf (common.names != [ ]) [ (agentc pkgs) ];
    # Each agent's compiled tree, to build apart (`nix build .#nixosConfigurations.<host>
    # .config.system.build.sourceosAgents.<name>`: on a builder, into a cache).
    system.build.sourceosAgents = common.perAgent;
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
        case $(${pkgs.systemd}/bin/systemctl is-system-running 2>/dev/null) in
        running | degraded | maintenance)
          ${activate dry}
          ;;
        *) echo "sourceos: local agents are activated by sourceos-local-agents.service once systemd runs" ;;
        esac
      '';
    };
    # At boot (and never again on a switch: the activation script does that).
    systemd.services.sourceos-local-agents = {
      description = "Activate the SourceOS local agents";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];
      restartIfChanged = false;
      stopIfChanged = false;
      serviceConfig = { Type = "oneshot"; RemainAfterExit = true; };
      script = activate "";
    };
  };
}
