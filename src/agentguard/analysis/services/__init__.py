"""Hosted services: code forges, hosting platforms, secret stores, queues, backups, payments, object stores.

Each submodule handles one group of tools; this table is what the registry imports.
"""

from __future__ import annotations

from agentguard.analysis.services.backups import borg, restic
from agentguard.analysis.services.forges import gh, glab
from agentguard.analysis.services.platforms import firebase, fly, heroku, netlify, railway, render, vercel, wrangler
from agentguard.analysis.services.stores import consul, doppler, kafka_topics, mc, s5cmd, stripe, vault
from agentguard.analysis.types import Handler

HANDLERS: dict[str, Handler] = {
    "gh": gh,
    "glab": glab,
    "heroku": heroku,
    "vercel": vercel,
    "netlify": netlify,
    "fly": fly,
    "flyctl": fly,
    "firebase": firebase,
    "wrangler": wrangler,
    "railway": railway,
    "render": render,
    "vault": vault,
    "consul": consul,
    "doppler": doppler,
    "stripe": stripe,
    "kafka-topics": kafka_topics,
    "kafka-topics.sh": kafka_topics,
    "restic": restic,
    "borg": borg,
    "s5cmd": s5cmd,
    "mc": mc,
}
