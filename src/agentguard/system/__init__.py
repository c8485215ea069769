"""Protected mode: agentguard out of the agent's reach, behind an OS boundary (see install.py)."""
