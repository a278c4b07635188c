# The build host: it also indexes the store, and has no operator session to sync notes for.
{
  networking.hostName = "builder";
  sourceos.localAgents = {
    indexer = {
      description = "Index the Nix store for the fleet's search";
      scope = "system";
      runtime = "native";
      command = [ "/run/current-system/sw/bin/nix-index" "--db" "/var/lib/nix-index" ];
      waivers.unjustified-system-scope = "indexes the system's Nix store";
    };
    notes-sync.enable = false;
  };
}
