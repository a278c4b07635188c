# The artifact lint tools for lib.compileAgents: shellcheck everywhere, systemd-analyze where
# systemd builds (Linux); each one given is also required, so a build never skips a lint.
pkgs:
let
  linux = pkgs.stdenv.isLinux or (builtins.match ".*-linux" pkgs.system != null);
in
{
  # util-linux: unshare, for verifying system units where the build sandbox has no /run.
  lintTools = [ pkgs.shellcheck ] ++ (if linux then [ pkgs.systemd pkgs.util-linux ] else [ ]);
  requireTools = [ "shellcheck" ] ++ (if linux then [ "systemd-analyze" ] else [ ]);
}
