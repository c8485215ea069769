"""agentguard: a safety harness for AI agents."""

__version__ = "0.1.0"
