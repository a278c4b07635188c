# The agents every host runs, declared once.
{
  sourceos.localAgents = {
    metrics-exporter = {
      description = "Host metrics for the fleet dashboard";
      scope = "system";
      runtime = "native";
      command = [ "/run/current-system/sw/bin/node_exporter" "--web.listen-address=127.0.0.1:9100" ];
      waivers.unjustified-system-scope = "reads host-wide metrics before any user logs in";
    };
    notes-sync = {
      description = "Sync the operator's notes";
      runtime = "native";
      command = [ "/run/current-system/sw/bin/notes-sync" "--watch" ];
      user = "ops";
    };
  };
}
