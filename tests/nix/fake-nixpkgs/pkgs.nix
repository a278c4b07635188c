# A stand-in for nixpkgs, made from builtins.derivation alone, so the flake and lib.compileAgents
# evaluate and build offline. runCommand and writeTextDir really build with the host's /bin/sh
# (sandbox off, or a sandbox given the host's paths: tests/test_nix.py); coreutils, sed, grep,
# awk, ... are the host's programs (hostTools); the Python toolchain attributes are named stubs
# that are never built here.
{ system ? builtins.currentSystem }:
let
  stub = name: builtins.derivation {
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" "echo stub > $out" ];
  };
  lib = {
    genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
    cleanSource = p: p;
    filterAttrs = pred: set: builtins.listToAttrs (builtins.concatMap
      (n: if pred n set.${n} then [{ name = n; value = set.${n}; }] else [ ])
      (builtins.attrNames set));
    attrNames = builtins.attrNames;
  };
  self = {
    inherit system lib;
    # Like stdenv, nativeBuildInputs' bin directories come first on PATH; the stubs have
    # none, so the lint tools found are the host's shellcheck and systemd-analyze.
    runCommand = name: env: script: builtins.derivation ({
      inherit name system;
      builder = "/bin/sh";
      args = [ "-c" script ];
      PATH = builtins.concatStringsSep ":"
        (map (p: "${p}/bin") (env.nativeBuildInputs or [ ]) ++ [ "/usr/bin" "/bin" ]);
    } // builtins.removeAttrs env [ "nativeBuildInputs" ]);
    writeTextDir = path: text: builtins.derivation {
      name = baseNameOf path;
      inherit system text;
      builder = "/bin/sh";
      args = [ "-c" "/bin/mkdir -p $out && printf %s \"$text\" > $out/${path}" ];
    };
    callPackage = f: args:
      let fn = if builtins.isFunction f then f else import f;
      in fn ((builtins.intersectAttrs (builtins.functionArgs fn) self) // args);
    python3Packages = {
      buildPythonApplication = a: stub "${a.pname}-${a.version}";
      setuptools = stub "setuptools";
      lark = stub "lark";
      jinja2 = stub "jinja2";
      attrs = stub "attrs";
      pytest = stub "pytest";
      syrupy = stub "syrupy";
      hypothesis = stub "hypothesis";
    };
    python3.withPackages = _: stub "python3-env";
    mkShell = _: stub "devshell";
  } // lib.genAttrs [ "nixpkgs-fmt" "ruff" "black" "shellcheck" "podman" "dash" "busybox"
    "posh" "mksh" "yash" "zsh" "systemd" ] stub
  // builtins.mapAttrs hostTools {
    coreutils = [ "coreutils" ];
    gnused = [ "sed" ];
    gnugrep = [ "grep" ];
    findutils = [ "findutils" ];
    gawk = [ "gawk" "mawk" ];
    util-linux = [ "util-linux" ];
    bash = [ "bash" ];
    diffutils = [ "diffutils" ];
    gettext = [ "gettext-base" ];
    jq = [ "jq" ];
    ncurses = [ "ncurses-bin" ];
    getent = [ "libc-bin" ];
    glibc = [ "libc-bin" ];
    shadow = [ "passwd" ];
    nettools = [ "net-tools" ];
  };
  # A package whose bin/ holds the host's programs from these Debian packages (links), as the
  # nixpkgs package of that name holds its own: a PATH made of them is what it would be.
  # (gawk gives `awk`; a host without gawk has mawk's.)
  hostTools = name: debs: builtins.derivation {
    inherit name system;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    args = [ "-c" ''
      mkdir -p $out/bin
      for deb in ${builtins.concatStringsSep " " debs}; do
        dpkg-query -L "$deb" 2>/dev/null | grep -E '^(/usr)?/s?bin/[^/]+$' | while read -r f; do
          ln -sf "$f" "$out/bin/"
        done
      done
      if [ ${name} = gawk ] && [ ! -e $out/bin/awk ]; then ln -s /usr/bin/awk $out/bin/awk; fi
    '' ];
  };
in
self
