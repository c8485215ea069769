"""Cloud CLIs: aws, gcloud, gsutil, az, azcopy, s3cmd, rclone (doctl, oci, ibmcloud, linode-cli and hcloud are
program specs whose hook is others.py).

Each call becomes READ, CLOUD_WRITE or CLOUD_DESTROY on a target a person recognises (`s3://bucket`,
`ec2 instances i-1,i-2`, `iam user bob`), with the profile / project / subscription / region in its context so
the production markers of the policy apply; downloads are file writes in the workspace.
"""

from __future__ import annotations

from agentguard.analysis.cloud import azure, gcp, storage
from agentguard.analysis.cloud.aws import aws
from agentguard.analysis.types import Handler

HANDLERS: dict[str, Handler] = {
    "aws": aws,
    **gcp.HANDLERS,
    **azure.HANDLERS,
    **storage.HANDLERS,
}
