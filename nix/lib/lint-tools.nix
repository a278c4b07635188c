# The artifact lint tools for lib.compileAgents: shellcheck everywhere, systemd-analyze where
# systemd builds (Linux); each one given is also required, so a build never skips a lint.
pkgs:
let
  linux = pkgs.stdenv.isLinux or (builtins.match ".*-linux" pkgs.system != null);
in
{
  lintTools = [ pkgs.shellcheck ] ++ (if linux then [ pkgs.systemd ] else [ ]);
  requireTools = [ "shellcheck" ] ++ (if linux then [ "systemd-analyze" ] else [ ]);
}
