"""The README's first command ends in `agentguard demo`: the incident stopped, the data kept, the ledger sound."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def test_the_demo_stops_the_incident_keeps_the_data_and_the_ledger_verifies(agentguard_home: Path) -> None:
    agentguard = Path(sys.executable).with_name("agentguard")
    done = subprocess.run([str(agentguard), "demo"], capture_output=True, text=True, timeout=300, check=True)
    out = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)  # colours off
    assert re.search(r"^ASK\s+rm -f \.agentic-qe/\*\.db", out, re.M)
    assert "undo: agentguard restore s-0001" in out
    assert re.search(r"^DENY\s+agentguard mode normal", out, re.M)
    assert re.search(r"^ALLOW\s+rm -rf node_modules build", out, re.M)
    assert "memory.db is still there with 500 memories" in out
    assert "every link, signature and checkpoint checks out" in out
