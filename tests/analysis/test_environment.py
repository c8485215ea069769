"""Where a command runs can come from the agent's environment: the hook runs in it, so its values count."""

from __future__ import annotations

import pytest

from agentguard.models import Decision, Verdict


@pytest.mark.parametrize(
    ("variable", "value", "command"),
    [
        pytest.param("AWS_PROFILE", "prod", "aws s3 rb s3://b --force", id="aws-profile"),
        pytest.param("PGHOST", "prod-db.internal", "psql -c 'DROP TABLE users'", id="pghost"),
        pytest.param(
            "DATABASE_URL", "postgres://u:secret@prod-db/app", "npx prisma migrate reset --force", id="database-url-orm"
        ),
        pytest.param("CLOUDSDK_CORE_PROJECT", "acme-prod", "gcloud sql instances delete main", id="gcloud-project"),
    ],
)
def test_a_production_environment_inherited_from_the_agent_is_denied(
    decide, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, command: str
) -> None:  # type: ignore[no-untyped-def]
    assert decide(command).verdict == Verdict.ASK  # without it: an ordinary destructive ask
    monkeypatch.setenv(variable, value)
    decision: Decision = decide(command)
    assert decision.verdict == Verdict.DENY
    assert "secret" not in " ".join(decision.reasons)  # a DSN's password is never shown


def test_the_command_line_overrides_the_inherited_environment(decide, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_PROFILE", "prod")
    assert decide("export AWS_PROFILE=dev; aws s3 rb s3://b").verdict == Verdict.ASK
    assert decide("AWS_PROFILE=dev aws s3 rb s3://b").verdict == Verdict.ASK
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert decide("AWS_PROFILE=prod aws s3 rb s3://b").verdict == Verdict.DENY
