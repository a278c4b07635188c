"""agentc: the SourceOS local-agent compiler."""

__version__ = "0.1.0"
