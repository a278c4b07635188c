"""agentc: the SourceOS local-agent compiler.

This package is the build-time compiler: declaration text in (`source` → `parser` → `lower`
→ `validate`), artifacts out (`emit`, linted by `lint` and `rules`, run by `pipeline`,
driven by `cli`). The operator tool that works on a host afterwards is `compiler.host`.
"""

__version__ = "0.1.0"
