# The edge host: the shared agents, its notes synced for its own operator account. (`user` is
# how the host activates the agent, not part of it: both hosts share one derivation.)
{ lib, ... }:
{
  networking.hostName = "edge";
  sourceos.localAgents.notes-sync.user = lib.mkForce "edge-ops";
}
