# agentc as a Python application; the test suite (without the real-host tests) runs in checkPhase.
{ lib, python3Packages }:
python3Packages.buildPythonApplication {
  pname = "agentc";
  version = "0.1.0";
  format = "pyproject";
  src = lib.cleanSource ../.;
  nativeBuildInputs = [ python3Packages.setuptools ];
  propagatedBuildInputs = with python3Packages; [ lark jinja2 attrs ];
  nativeCheckInputs = with python3Packages; [ pytest syrupy hypothesis ];
  checkPhase = ''
    runHook preCheck
    pytest -m "not real" -p no:cacheprovider
    runHook postCheck
  '';
  meta = {
    description = "SourceOS local-agent compiler";
    mainProgram = "agentc";
  };
}
