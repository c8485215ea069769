"""Hosted services with bespoke readings: backups (restic, borg), kafka-topics and s5cmd.

The verb-path services (gh, heroku, vercel, vault, stripe…) are program specs (analysis/spec/programs/); their
hooks for what data cannot say live in forges.py, platforms.py and stores.py.
"""

from __future__ import annotations

from agentguard.analysis.services.backups import borg, restic
from agentguard.analysis.services.stores import kafka_topics, s5cmd
from agentguard.analysis.types import Handler

HANDLERS: dict[str, Handler] = {
    "kafka-topics": kafka_topics,
    "kafka-topics.sh": kafka_topics,
    "restic": restic,
    "borg": borg,
    "s5cmd": s5cmd,
}
