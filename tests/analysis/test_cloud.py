"""Cloud CLIs (aws, gcloud, gsutil, az, azcopy, doctl, s3cmd, rclone, oci, ibmcloud, linode-cli, hcloud), parsed
end to end from real command lines: kinds, targets and the account/profile context of their effects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from families import assert_harmless, assert_has_unknown, assert_never_crashes
from hypothesis import given, settings
from hypothesis import strategies as st

from agentguard.analysis import analyze_command
from agentguard.models import Decision, Effect, Kind, Verdict

DESTROY = Kind.CLOUD_DESTROY
WRITE = Kind.CLOUD_WRITE
READ = Kind.READ


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    (tmp_path / "k.txt").write_text("old\n")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<p>hi</p>\n")
    (tmp_path / "stack.json").write_text('{"StackName": "prod-api", "RetainResources": ["bucket"]}')
    (tmp_path / "dry.json").write_text('{"InstanceIds": ["i-9"], "DryRun": true}')
    (tmp_path / "deletes.json").write_text('{"t": [{"DeleteRequest": {"Key": {"id": {"S": "1"}}}}]}')
    (tmp_path / "puts.json").write_text('{"t": [{"PutRequest": {"Item": {"id": {"S": "1"}}}}]}')
    (tmp_path / "expire.json").write_text('{"Rules": [{"Status": "Enabled", "Expiration": {"Days": 1}}]}')
    (tmp_path / "gcs-delete.json").write_text('{"rule": [{"action": {"type": "Delete"}, "condition": {"age": 30}}]}')
    (tmp_path / "gcs-nearline.json").write_text('{"rule": [{"action": {"type": "SetStorageClass"}}]}')
    return tmp_path


def run(command: str, cwd: Path) -> tuple[Effect, ...]:
    return analyze_command(command, str(cwd), home=str(cwd / "home"))


def row(command: str, kind: Kind, target: str, id: str, **context: str) -> Any:
    return pytest.param(command, kind, target, context, id=id)


def find(effects: tuple[Effect, ...], kind: Kind, target: str) -> Effect:
    found = [e for e in effects if e.kind == kind and e.target == target]
    assert found, f"no {kind.value} on {target!r} in {[(e.kind.value, e.target) for e in effects]}"
    return found[0]


DESTRUCTIVE = [
    # The Amazon Q incident's commands, by name.
    row("aws s3 rb s3://x --force", DESTROY, "s3://x", "amazon-q-s3-rb-force"),
    row("aws ec2 terminate-instances --instance-ids i-0abc i-0def", DESTROY, "ec2 instances i-0abc,i-0def",
        "amazon-q-ec2-terminate"),
    row("aws iam delete-user --user-name bob", DESTROY, "iam user bob", "amazon-q-iam-delete-user"),
    # Switching a safeguard off is the first half of losing the resource.
    row("aws rds modify-db-instance --db-instance-identifier main --no-deletion-protection", DESTROY,
        "rds db instance main", "rds-deletion-protection-off"),
    row("aws rds modify-db-instance --db-instance-identifier main --backup-retention-period 0", DESTROY,
        "rds db instance main", "rds-backups-off"),
    row("gcloud sql instances patch main --no-backup", DESTROY, "sql instances main", "gcloud-sql-backups-off"),
    row("aws s3api put-bucket-versioning --bucket b --versioning-configuration Status=Suspended", DESTROY, "s3://b",
        "s3-versioning-suspended"),
    # aws
    row("aws s3 rm s3://b/logs --recursive", DESTROY, "s3://b/logs", "aws-s3-rm-recursive"),
    row("aws s3 rm s3://b/k.txt", DESTROY, "s3://b/k.txt", "aws-s3-rm-object"),
    row("aws --profile prod s3 rb s3://b", DESTROY, "s3://b", "aws-profile-before-service", profile="prod"),
    row("aws s3 rb s3://b --profile prod-eu --region eu-west-1", DESTROY, "s3://b", "aws-profile-after-op",
        profile="prod-eu", region="eu-west-1"),
    row("AWS_PROFILE=prod-admin aws s3 rb s3://b", DESTROY, "s3://b", "aws-profile-env", profile="prod-admin"),
    row("export AWS_PROFILE=prod; aws s3 rb s3://b", DESTROY, "s3://b", "aws-profile-exported", profile="prod"),
    row("AWS_DEFAULT_PROFILE=ops AWS_REGION=us-west-2 aws s3 rb s3://b", DESTROY, "s3://b", "aws-default-profile",
        profile="ops", region="us-west-2"),
    row("aws s3 sync ./site s3://b --delete", DESTROY, "s3://b", "aws-s3-sync-delete"),
    row("aws s3 mv s3://b/data ./data --recursive", DESTROY, "s3://b/data", "aws-s3-mv-from-bucket"),
    row("aws s3 mv s3://b/a s3://c/a", DESTROY, "s3://b/a", "aws-s3-mv-between-buckets"),
    row("aws rds delete-db-instance --db-instance-identifier prod-db --skip-final-snapshot", DESTROY,
        "rds db instance prod-db", "aws-rds-delete-instance"),
    row("aws rds delete-db-cluster --db-cluster-identifier c1", DESTROY, "rds db cluster c1", "aws-rds-delete-cluster"),
    row("aws dynamodb delete-table --table-name users", DESTROY, "dynamodb table users", "aws-dynamodb-delete-table"),
    row("aws cloudformation delete-stack --stack-name prod-api", DESTROY, "cloudformation stack prod-api",
        "aws-cfn-delete-stack", stack="prod-api"),
    row("aws lambda delete-function --function-name f", DESTROY, "lambda function f", "aws-lambda-delete"),
    row("aws ecr delete-repository --repository-name r --force", DESTROY, "ecr repository r", "aws-ecr-delete-repo"),
    row("aws ecr batch-delete-image --repository-name r --image-ids imageTag=v1", DESTROY, "ecr image imageTag=v1",
        "aws-ecr-batch-delete-image"),
    row("aws ecs delete-cluster --cluster c", DESTROY, "ecs cluster c", "aws-ecs-delete-cluster"),
    row("aws ecs delete-service --cluster c --service s --force", DESTROY, "ecs service s", "aws-ecs-delete-service"),
    row("aws eks delete-cluster --name prod", DESTROY, "eks cluster prod", "aws-eks-delete-cluster"),
    row("aws eks delete-nodegroup --cluster-name c --nodegroup-name ng", DESTROY, "eks nodegroup ng",
        "aws-eks-delete-nodegroup"),
    row("aws iam delete-role --role-name r", DESTROY, "iam role r", "aws-iam-delete-role"),
    row("aws iam delete-access-key --user-name bob --access-key-id AKIA1", DESTROY, "iam access key AKIA1",
        "aws-iam-delete-access-key"),
    row("aws kms schedule-key-deletion --key-id k1 --pending-window-in-days 7", DESTROY, "kms key deletion k1",
        "aws-kms-schedule-deletion"),
    row("aws ec2 delete-snapshot --snapshot-id snap-1", DESTROY, "ec2 snapshot snap-1", "aws-ec2-delete-snapshot"),
    row("aws ec2 delete-volume --volume-id vol-1", DESTROY, "ec2 volume vol-1", "aws-ec2-delete-volume"),
    row("aws ec2 deregister-image --image-id ami-1", DESTROY, "ec2 image ami-1", "aws-ec2-deregister-image"),
    row("aws ec2 release-address --allocation-id eipalloc-1", DESTROY, "ec2 address eipalloc-1",
        "aws-ec2-release-address"),
    row("aws secretsmanager delete-secret --secret-id s --force-delete-without-recovery", DESTROY,
        "secretsmanager secret s", "aws-secrets-delete"),
    row("aws sqs purge-queue --queue-url https://sqs.x/q", DESTROY, "sqs queue https://sqs.x/q", "aws-sqs-purge"),
    row("aws s3api delete-bucket --bucket b", DESTROY, "s3://b", "aws-s3api-delete-bucket"),
    row("aws s3api delete-object --bucket b --key k", DESTROY, "s3://b/k", "aws-s3api-delete-object"),
    row("""aws dynamodb batch-write-item --request-items '{"t":[{"DeleteRequest":{"Key":{}}}]}'""", DESTROY,
        "dynamodb item", "aws-dynamodb-batch-delete"),
    row("aws route53 delete-hosted-zone --id Z1", DESTROY, "route53 hosted zone Z1", "aws-route53-delete-zone"),
    row("aws logs delete-log-group --log-group-name g", DESTROY, "logs log group g", "aws-logs-delete-group"),
    row("aws --region us-east-1 ec2 terminate-instances --instance-ids i-1 --profile prod", DESTROY,
        "ec2 instances i-1", "aws-globals-both-sides", profile="prod", region="us-east-1"),
    row("aws organizations close-account --account-id 123456789012", DESTROY, "organizations account 123456789012",
        "aws-close-account"),
    row("aws iam delete-policy --policy-arn arn:aws:iam::123456789012:policy/p", DESTROY,
        "iam policy arn:aws:iam::123456789012:policy/p", "aws-arn-account", account="123456789012"),
    row("sudo -u ops aws s3 rb s3://b", DESTROY, "s3://b", "aws-under-sudo"),
    row("aws dynamodb batch-write-item --request-items file://deletes.json", DESTROY, "dynamodb item",
        "aws-batch-write-deletes-from-file"),
    row("aws dynamodb batch-write-item --request-items file://missing.json", DESTROY, "dynamodb item",
        "aws-batch-write-unreadable"),
    row("aws s3api put-bucket-lifecycle-configuration --bucket b --lifecycle-configuration file://expire.json",
        DESTROY, "s3://b", "aws-lifecycle-expiration"),
    row("aws route53 change-resource-record-sets --hosted-zone-id Z --change-batch "
        "'Changes=[{Action=DELETE,ResourceRecordSet={Name=a}}]'", DESTROY, "route53 resource record sets Z",
        "aws-route53-delete-record"),
    row("aws athena start-query-execution --query-string 'DROP TABLE logs'", DESTROY, "athena query execution",
        "aws-athena-drop"),
    row("gsutil lifecycle set gcs-delete.json gs://b", DESTROY, "gs://b", "gsutil-lifecycle-delete"),
    row("for b in logs-a logs-b; do aws s3 rb s3://$b --force; done", DESTROY, "s3://logs-b", "aws-in-a-loop"),
    row("aws s3 rm s3://b/ --recursive --exclude help", DESTROY, "s3://b", "aws-help-as-a-value-is-data"),
    row("gcloud sql instances delete help", DESTROY, "sql instances help", "gcloud-help-as-a-name-is-data"),
    row("hcloud server delete help", DESTROY, "server help", "hcloud-help-as-a-name-is-data"),
    row("gcloud storage rsync -n -r ./site gs://b --delete-unmatched-destination-objects", DESTROY, "gs://b",
        "gcloud-rsync-n-is-no-clobber"),
    row("aws cloudformation delete-stack --cli-input-json file://stack.json", DESTROY, "cloudformation stack prod-api",
        "aws-cli-input-json", stack="prod-api"),
    row("""aws rds delete-db-instance --cli-input-json '{"DBInstanceIdentifier": "db9"}'""", DESTROY,
        "rds db instance db9", "aws-cli-input-json-inline"),
    # gcloud / gsutil
    row("gcloud projects delete prod-123", DESTROY, "projects prod-123", "gcloud-projects-delete", project="prod-123"),
    row("gcloud sql instances delete db1 --project my-proj", DESTROY, "sql instances db1", "gcloud-sql-delete",
        project="my-proj"),
    row("gcloud compute instances delete vm-1 vm-2 --zone us-central1-a --quiet", DESTROY,
        "compute instances vm-1,vm-2", "gcloud-compute-delete", region="us-central1-a"),
    row("gcloud container clusters delete c1 --region us-east1", DESTROY, "container clusters c1",
        "gcloud-gke-delete"),
    row("CLOUDSDK_CORE_PROJECT=prod-1 gcloud run services delete api", DESTROY, "run services api",
        "gcloud-run-delete", project="prod-1"),
    row("gcloud functions delete fn --region r", DESTROY, "functions fn", "gcloud-functions-delete"),
    row("gcloud storage rm -r gs://b", DESTROY, "gs://b", "gcloud-storage-rm"),
    row("gcloud storage buckets delete gs://b", DESTROY, "storage buckets gs://b", "gcloud-buckets-delete"),
    row("gcloud secrets delete s", DESTROY, "secrets s", "gcloud-secrets-delete"),
    row("gcloud kms keys versions destroy 1 --key k --keyring r --location global", DESTROY, "kms keys versions 1",
        "gcloud-kms-destroy"),
    row("gcloud iam service-accounts delete sa@p.iam.gserviceaccount.com", DESTROY,
        "iam service-accounts sa@p.iam.gserviceaccount.com", "gcloud-sa-delete"),
    row("gcloud sql instances restore-backup db1 --backup-id 5", DESTROY, "sql instances db1", "gcloud-sql-restore"),
    row("gcloud beta firestore databases delete --database=prod", DESTROY, "firestore databases prod",
        "gcloud-firestore-delete"),
    row("gcloud --project prod-x compute disks delete d1", DESTROY, "compute disks d1", "gcloud-project-flag-first",
        project="prod-x"),
    row("gcloud access-context-manager perimeters delete p1", DESTROY, "access-context-manager perimeters p1",
        "gcloud-verb-like-group"),
    row("gsutil rm -r gs://b/dir", DESTROY, "gs://b/dir", "gsutil-rm-r"),
    row("gsutil rm gs://b/k", DESTROY, "gs://b/k", "gsutil-rm"),
    row("gsutil rb -f gs://b", DESTROY, "gs://b", "gsutil-rb"),
    row("gsutil -u prod-billing -m rm -r gs://b", DESTROY, "gs://b", "gsutil-billing-project", project="prod-billing"),
    row("gsutil -m rsync -r -d ./site gs://b", DESTROY, "gs://b", "gsutil-rsync-d"),
    row("gsutil mv gs://b/a ./a", DESTROY, "gs://b/a", "gsutil-mv-from-bucket"),
    # az / azcopy
    row("az group delete -n prod-rg --yes", DESTROY, "group prod-rg", "az-group-delete", resource_group="prod-rg"),
    row("az vm delete -g rg -n vm1 --yes --subscription prod-sub", DESTROY, "vm vm1", "az-vm-delete",
        resource_group="rg", subscription="prod-sub"),
    row("az storage account delete -n acct -g rg", DESTROY, "storage account acct", "az-storage-account-delete"),
    row("az ad user delete --id bob@contoso.com", DESTROY, "ad user bob@contoso.com", "az-ad-user-delete"),
    row("az sql db delete -g rg -s srv -n db1", DESTROY, "sql db db1", "az-sql-db-delete"),
    row("az keyvault purge --name kv1", DESTROY, "keyvault kv1", "az-keyvault-purge"),
    row("az keyvault secret purge --vault-name kv --name s", DESTROY, "keyvault secret s", "az-secret-purge"),
    row("az storage container delete --name c --account-name a", DESTROY, "storage container c",
        "az-container-delete"),
    row("az aks delete -g rg -n k", DESTROY, "aks k", "az-aks-delete"),
    row("az cosmosdb delete -n db -g rg", DESTROY, "cosmosdb db", "az-cosmosdb-delete"),
    row("az deployment group create -g rg --template-file t.json --mode Complete", DESTROY, "deployment group",
        "az-deployment-complete-mode"),
    row("az vm reimage -g rg -n vm", DESTROY, "vm vm", "az-vm-reimage"),
    row("az vm delete --ids /subscriptions/sub-prod/resourceGroups/rg1/providers/Microsoft.Compute/"
        "virtualMachines/vm9", DESTROY, "vm vm9", "az-ids", subscription="sub-prod", resource_group="rg1"),
    row("az rest --method delete --url https://management.azure.com/x", DESTROY, "https://management.azure.com/x",
        "az-rest-delete"),
    row("azcopy remove 'https://a.blob.core.windows.net/c?sv=1&sig=s' --recursive", DESTROY,
        "https://a.blob.core.windows.net/c", "azcopy-remove"),
    row("azcopy sync ./site 'https://a.blob.core.windows.net/c?sig=s' --delete-destination=true", DESTROY,
        "https://a.blob.core.windows.net/c", "azcopy-sync-delete"),
    # doctl, s3cmd, rclone, oci, ibmcloud, linode-cli, hcloud
    row("doctl compute droplet delete web-1 --force", DESTROY, "compute droplet web-1", "doctl-droplet-delete"),
    row("doctl databases delete db1", DESTROY, "databases db1", "doctl-db-delete"),
    row("doctl kubernetes cluster delete k1 --dangerous", DESTROY, "kubernetes cluster k1", "doctl-k8s-delete"),
    row("doctl --context prod compute volume rm v1", DESTROY, "compute volume v1", "doctl-rm-alias",
        profile="prod"),
    row("doctl compute droplet-action rebuild 123 --image ubuntu", DESTROY, "compute droplet-action 123",
        "doctl-rebuild"),
    row("s3cmd del s3://b/k", DESTROY, "s3://b/k", "s3cmd-del"),
    row("s3cmd rb s3://b", DESTROY, "s3://b", "s3cmd-rb"),
    row("s3cmd rm --recursive s3://b/dir", DESTROY, "s3://b/dir", "s3cmd-rm-recursive"),
    row("s3cmd sync ./site s3://b --delete-removed", DESTROY, "s3://b", "s3cmd-sync-delete-removed"),
    row("rclone delete remote:old --min-age 30d", DESTROY, "remote:old", "rclone-delete", remote="remote"),
    row("rclone purge gdrive:backup", DESTROY, "gdrive:backup", "rclone-purge", remote="gdrive"),
    row("rclone deletefile r:x.txt", DESTROY, "r:x.txt", "rclone-deletefile"),
    row("rclone rmdirs r:empty", DESTROY, "r:empty", "rclone-rmdirs"),
    row("rclone cleanup r:", DESTROY, "r:", "rclone-cleanup"),
    row("rclone sync ./site prod-s3:bucket", DESTROY, "prod-s3:bucket", "rclone-sync", remote="prod-s3"),
    row("rclone move r:a ./a", DESTROY, "r:a", "rclone-move-from-remote"),
    row("rclone dedupe newest r:dir", DESTROY, "r:dir", "rclone-dedupe"),
    row("rclone purge r:x --dry-run=false", DESTROY, "r:x", "rclone-dry-run-false"),
    row("aws ec2 terminate-instances --instance-ids i-1 --dry-run --no-dry-run", DESTROY, "ec2 instances i-1",
        "aws-no-dry-run-wins"),
    row("azcopy remove https://a.blob.core.windows.net/c --dry-run=false --recursive", DESTROY,
        "https://a.blob.core.windows.net/c", "azcopy-dry-run-false"),
    row("oci compute instance terminate --instance-id ocid1.instance.x --force", DESTROY,
        "compute instance ocid1.instance.x", "oci-terminate"),
    row("oci os bucket delete --bucket-name b --empty --profile PROD", DESTROY, "os bucket b", "oci-bucket-delete",
        profile="PROD"),
    row("oci os object bulk-delete --bucket-name b", DESTROY, "os object b", "oci-bulk-delete"),
    row("ibmcloud resource service-instance-delete my-db -f", DESTROY, "resource service-instance my-db",
        "ibmcloud-service-delete"),
    row("ibmcloud is instance-delete i1", DESTROY, "is instance i1", "ibmcloud-is-delete"),
    row("ibmcloud ks cluster rm --cluster c1", DESTROY, "ks cluster c1", "ibmcloud-ks-rm"),
    row("linode-cli linodes delete 123", DESTROY, "linodes 123", "linode-delete"),
    row("linode-cli lke cluster-delete 55", DESTROY, "lke cluster 55", "linode-lke-delete"),
    row("linode-cli obj rb mybucket", DESTROY, "obj mybucket", "linode-obj-rb"),
    row("hcloud server delete web", DESTROY, "server web", "hcloud-server-delete"),
    row("hcloud --context prod volume delete v1", DESTROY, "volume v1", "hcloud-context", profile="prod"),
    row("hcloud server rebuild web --image ubuntu", DESTROY, "server web", "hcloud-rebuild"),
]  # fmt: skip


@pytest.mark.parametrize(("command", "kind", "target", "context"), DESTRUCTIVE)
def test_destructive(command: str, kind: Kind, target: str, context: dict[str, str], cwd: Path) -> None:
    effect = find(run(command, cwd), kind, target)
    assert effect.kind.destructive
    for key, value in context.items():
        assert effect.ctx(key) == value, (key, dict(effect.context))


BENIGN = [
    # aws reads
    row("aws s3 ls", READ, "s3 buckets", "aws-s3-ls"),
    row("aws s3 ls s3://b/logs/", READ, "s3://b/logs/", "aws-s3-ls-prefix"),
    row("aws sts get-caller-identity", READ, "sts caller identity", "aws-whoami"),
    row("aws rds modify-db-instance --db-instance-identifier main --backup-retention-period 7", WRITE,
        "rds db instance main", "rds-backups-kept"),
    row("aws ec2 describe-instances", READ, "ec2 instances", "aws-describe-instances"),
    row("aws ec2 describe-instances --filters Name=tag:env,Values=prod --output table --no-cli-pager", READ,
        "ec2 instances", "aws-describe-with-globals"),
    row("aws --profile prod s3 ls", READ, "s3 buckets", "aws-prod-read", profile="prod"),
    row("aws iam list-users", READ, "iam users", "aws-iam-list"),
    row("aws iam get-user --user-name bob", READ, "iam user bob", "aws-iam-get"),
    row("aws s3api list-objects-v2 --bucket b", READ, "s3://b", "aws-s3api-list"),
    row("aws s3api head-object --bucket b --key k", READ, "s3://b/k", "aws-s3api-head"),
    row("aws logs tail /aws/lambda/f --follow", READ, "logs tail", "aws-logs-tail"),
    row("aws dynamodb scan --table-name t", READ, "dynamodb scan t", "aws-dynamodb-scan"),
    row("aws ec2 terminate-instances --dry-run --instance-ids i-1", READ, "ec2 terminate-instances",
        "aws-ec2-dry-run"),
    row("aws ec2 run-instances --generate-cli-skeleton", READ, "aws", "aws-cli-skeleton"),
    row("aws ec2 terminate-instances --cli-input-json file://dry.json", READ, "ec2 terminate-instances",
        "aws-dry-run-in-input-json"),
    row("aws s3 help", READ, "aws", "aws-s3-help"),
    row("aws ec2 terminate-instances help", READ, "aws", "aws-op-help"),
    row("aws --version", READ, "aws", "aws-version"),
    row("aws sts assume-role --role-arn arn:aws:iam::123456789012:role/r --role-session-name s", READ,
        "sts role arn:aws:iam::123456789012:role/r", "aws-assume-role", account="123456789012"),
    row("aws ecr get-login-password --region us-east-1", READ, "ecr login password", "aws-ecr-login"),
    row("aws cloudformation describe-stacks --stack-name prod-api", READ, "cloudformation stacks prod-api",
        "aws-cfn-describe", stack="prod-api"),
    row("aws secretsmanager get-secret-value --secret-id s", READ, "secretsmanager secret value s",
        "aws-secret-get"),
    row("aws s3 rm s3://b/x --recursive --dryrun", READ, "s3://b/x", "aws-s3-rm-dryrun"),
    row("aws s3 sync ./site s3://b --delete --dryrun", READ, "./site s3://b", "aws-s3-sync-dryrun"),
    row("aws s3 presign s3://b/k", READ, "s3://b/k", "aws-s3-presign"),
    # aws writes
    row("aws s3 cp ./site s3://b/ --recursive", WRITE, "s3://b", "aws-s3-upload-dir"),
    row("aws s3 cp k.txt s3://b/k.txt", WRITE, "s3://b/k.txt", "aws-s3-upload-file"),
    row("aws s3 sync ./site s3://b", WRITE, "s3://b", "aws-s3-sync-no-delete"),
    row("aws s3 mb s3://new", WRITE, "s3://new", "aws-s3-mb"),
    row("aws ec2 start-instances --instance-ids i-1", WRITE, "ec2 instances i-1", "aws-ec2-start"),
    row("aws rds remove-tags-from-resource --resource-name arn:x --tag-keys k", WRITE,
        "rds tags from resource arn:x", "aws-remove-tags-is-write"),
    row("aws lambda invoke --function-name f out.json", WRITE, "lambda invoke f", "aws-lambda-invoke"),
    row("aws dynamodb batch-write-item --request-items file://puts.json", WRITE, "dynamodb item",
        "aws-batch-write-puts"),
    row("aws athena start-query-execution --query-string 'SELECT 1'", WRITE, "athena query execution",
        "aws-athena-select"),
    row("gsutil lifecycle set gcs-nearline.json gs://b", WRITE, "gs://b", "gsutil-lifecycle-storage-class"),
    row("aws s3 cp s3://b/new.txt .", Kind.FILE_WRITE, "./new.txt", "aws-s3-download-new"),
    row("aws s3 cp s3://b/k.txt -", READ, "standard output", "aws-s3-cat-to-stdout"),
    # gcloud / gsutil
    row("gcloud config list", READ, "config", "gcloud-config-list"),
    row("gcloud compute instances list", READ, "compute instances", "gcloud-instances-list"),
    row("gcloud compute instances list --project prod-1", READ, "compute instances", "gcloud-prod-read",
        project="prod-1"),
    row("gcloud projects describe p", READ, "projects p", "gcloud-projects-describe"),
    row("gcloud sql instances describe db1", READ, "sql instances db1", "gcloud-sql-describe"),
    row("gcloud auth list", READ, "auth", "gcloud-auth-list"),
    row("gcloud config get-value project", READ, "config", "gcloud-get-value"),
    row("gcloud logging read 'severity>=ERROR' --limit 10", READ, "logging severity>=ERROR", "gcloud-logging-read"),
    row("gcloud secrets versions access latest --secret s", READ, "secrets versions latest", "gcloud-secret-access"),
    row("gcloud run deploy api --image gcr.io/p/i", WRITE, "run api", "gcloud-run-deploy"),
    row("gcloud compute instances create vm", WRITE, "compute instances vm", "gcloud-create"),
    row("gcloud projects remove-iam-policy-binding p --member user:a --role r", WRITE, "projects p",
        "gcloud-remove-binding-is-write"),
    row("gcloud storage ls gs://b", READ, "gs://b", "gcloud-storage-ls"),
    row("gcloud storage cp ./k.txt gs://b/", WRITE, "gs://b", "gcloud-storage-upload"),
    row("gcloud version", READ, "gcloud", "gcloud-version"),
    row("gsutil ls gs://b", READ, "gs://b", "gsutil-ls"),
    row("gsutil cat gs://b/k", READ, "gs://b/k", "gsutil-cat"),
    row("gsutil du -s gs://b", READ, "gs://b", "gsutil-du"),
    row("gsutil cp ./k.txt gs://b/", WRITE, "gs://b", "gsutil-upload"),
    row("gsutil -m rsync -r ./site gs://b", WRITE, "gs://b", "gsutil-rsync-no-delete"),
    row("gsutil -m rsync -n -d -r ./site gs://b", READ, "./site,gs://b", "gsutil-rsync-dry-run"),
    row("gsutil acl get gs://b", READ, "gs://b", "gsutil-acl-get"),
    row("gsutil acl ch -u a@example.com:R gs://b", WRITE, "gs://b", "gsutil-acl-ch-u-is-not-a-project"),
    row("gcloud storage rsync --dry-run -r ./site gs://b --delete-unmatched-destination-objects", READ,
        "./site,gs://b", "gcloud-rsync-dry-run"),
    row("gcloud help sql instances delete", READ, "gcloud", "gcloud-help"),
    # az / azcopy
    row("az account show", READ, "account", "az-account-show"),
    row("az vm list", READ, "vm", "az-vm-list"),
    row("az vm list --subscription prod-sub", READ, "vm", "az-prod-read", subscription="prod-sub"),
    row("az group list -o table", READ, "group", "az-group-list"),
    row("az vm show -g rg -n vm", READ, "vm vm", "az-vm-show", resource_group="rg"),
    row("az keyvault secret show --vault-name kv -n s", READ, "keyvault secret s", "az-secret-show"),
    row("az vm start -g rg -n vm", WRITE, "vm vm", "az-vm-start"),
    row("az group create -n rg -l westus", WRITE, "group rg", "az-group-create", region="westus"),
    row("az deployment group create -g rg --template-file t.json", WRITE, "deployment group",
        "az-deployment-incremental"),
    row("az rest --method get --url https://management.azure.com/x", READ, "https://management.azure.com/x",
        "az-rest-get"),
    row("az storage blob upload -c c -f k.txt -n k.txt --account-name a", WRITE, "storage blob k.txt",
        "az-blob-upload"),
    row("azcopy list 'https://a.blob.core.windows.net/c?sig=s'", READ, "https://a.blob.core.windows.net/c",
        "azcopy-list"),
    row("azcopy copy ./k.txt 'https://a.blob.core.windows.net/c/k.txt?sig=s'", WRITE,
        "https://a.blob.core.windows.net/c/k.txt", "azcopy-upload"),
    row("azcopy sync ./site 'https://a.blob.core.windows.net/c' --delete-destination=false", WRITE,
        "https://a.blob.core.windows.net/c", "azcopy-sync-no-delete"),
    # doctl, s3cmd, rclone, oci, ibmcloud, linode-cli, hcloud
    row("doctl compute droplet list", READ, "compute droplet", "doctl-list"),
    row("doctl account get", READ, "account", "doctl-account"),
    row("doctl compute droplet create web --size s-1vcpu-1gb --image ubuntu --region nyc1", WRITE,
        "compute droplet web", "doctl-create"),
    row("s3cmd ls", READ, "s3 buckets", "s3cmd-ls"),
    row("s3cmd info s3://b", READ, "s3://b", "s3cmd-info"),
    row("s3cmd put k.txt s3://b/", WRITE, "s3://b", "s3cmd-put"),
    row("s3cmd sync ./site s3://b", WRITE, "s3://b", "s3cmd-sync-no-delete"),
    row("s3cmd del s3://b/k --dry-run", READ, "s3://b/k", "s3cmd-dry-run"),
    row("rclone ls remote:", READ, "remote:", "rclone-ls", remote="remote"),
    row("rclone size r:b", READ, "r:b", "rclone-size"),
    row("rclone copy ./site r:b", WRITE, "r:b", "rclone-copy-up"),
    row("rclone sync --dry-run ./site r:b", READ, "./site,r:b", "rclone-sync-dry-run"),
    row("rclone check ./site r:b", READ, "./site,r:b", "rclone-check"),
    row("rclone config show", READ, "rclone config", "rclone-config-show"),
    row("rclone dedupe --dedupe-mode list r:dir", READ, "r:dir", "rclone-dedupe-list"),
    row("rclone purge r:x -vn", READ, "r:x", "rclone-bundled-dry-run"),
    row("oci os object list --bucket-name b", READ, "os object b", "oci-list"),
    row("oci iam region list", READ, "iam region", "oci-region-list"),
    row("ibmcloud is instances", READ, "is instances", "ibmcloud-plural-lists"),
    row("ibmcloud ks cluster ls", READ, "ks cluster", "ibmcloud-ks-ls"),
    row("linode-cli linodes list", READ, "linodes", "linode-list"),
    row("linode-cli account view", READ, "account", "linode-account-view"),
    row("linode-cli linodes create --type g6-nanode-1 --region us-east --label web", WRITE, "linodes web",
        "linode-create"),
    row("hcloud server list", READ, "server", "hcloud-list"),
    row("hcloud server describe web", READ, "server web", "hcloud-describe"),
    row("hcloud server create --name web --type cx11 --image ubuntu", WRITE, "server web", "hcloud-create"),
    # look-alikes: destructive words as data
    row("aws s3 ls s3://delete-me/", READ, "s3://delete-me/", "lookalike-aws-bucket-name"),
    row("aws ec2 describe-instances --instance-ids i-delete", READ, "ec2 instances i-delete", "lookalike-aws-id"),
    row("aws logs filter-log-events --log-group-name g --filter-pattern DELETE", READ, "logs log events g",
        "lookalike-aws-filter"),
    row("gcloud compute instances list --filter=name:delete-me", READ, "compute instances", "lookalike-gcloud"),
    row("az vm list --query \"[?name=='terminate']\"", READ, "vm", "lookalike-az-query"),
    row("gsutil ls gs://rb-bucket", READ, "gs://rb-bucket", "lookalike-gsutil"),
    row("rclone lsf r:purge", READ, "r:purge", "lookalike-rclone"),
    row("hcloud server list --selector env=destroy", READ, "server", "lookalike-hcloud"),
]  # fmt: skip


@pytest.mark.parametrize(("command", "kind", "target", "context"), BENIGN)
def test_benign(command: str, kind: Kind, target: str, context: dict[str, str], cwd: Path) -> None:
    effects = run(command, cwd)
    effect = find(effects, kind, target)
    for key, value in context.items():
        assert effect.ctx(key) == value, (key, dict(effect.context))
    assert_harmless(effects)


UNKNOWN = [
    pytest.param('aws s3 rb "$BUCKET"', id="aws-bucket-variable"),
    pytest.param("aws s3 rb s3://$BUCKET --force", id="aws-bucket-in-uri"),
    pytest.param('aws --profile "$P" s3 rb s3://b', id="aws-profile-variable"),
    pytest.param('AWS_PROFILE="$P" aws ec2 terminate-instances --instance-ids i-1', id="aws-profile-env-variable"),
    pytest.param("aws ec2 terminate-instances --instance-ids $(cat ids.txt)", id="aws-ids-substitution"),
    pytest.param("aws s3 sync ./site s3://b $OPTS", id="aws-options-variable"),
    pytest.param('aws "$SERVICE" delete-thing', id="aws-service-variable"),
    pytest.param("gcloud projects delete $PROJECT", id="gcloud-project-variable"),
    pytest.param('gcloud compute instances delete vm --project "$P"', id="gcloud-project-flag-variable"),
    pytest.param('gsutil rm -r "gs://$B"', id="gsutil-variable"),
    pytest.param('az group delete -n "$RG" --yes', id="az-group-variable"),
    pytest.param("az vm delete --ids @ids.txt --yes", id="az-values-from-file"),
    pytest.param('az vm delete -g rg -n vm --subscription "$SUB" --yes', id="az-subscription-variable"),
    pytest.param("gcloud compute instances delete vm --flags-file=flags.yaml", id="gcloud-flags-file"),
    pytest.param('rclone purge "$REMOTE"', id="rclone-variable"),
    pytest.param('hcloud server delete "$NAME"', id="hcloud-variable"),
    pytest.param('gcloud compute ssh vm --command "$CMD"', id="remote-command-variable"),
    pytest.param("aws ssm send-command --instance-ids i-1 --document-name AWS-RunShellScript --parameters file://p.json",
                 id="ssm-commands-not-visible"),
    pytest.param("aws s3 cp", id="aws-s3-cp-missing-operands"),
    pytest.param("aws ec2 describe-instances --output text | xargs -n1 aws ec2 terminate-instances --instance-ids",
                 id="aws-ids-from-xargs"),
    pytest.param("aws s3 ls | awk '{print $3}' | xargs -I{} aws s3 rb s3://{} --force", id="aws-buckets-from-xargs"),
    pytest.param("aws ec2 terminate-instances --cli-input-json file://missing.json", id="aws-input-json-missing"),
    pytest.param("aws ec2 terminate-instances --cli-input-yaml file://t.yaml", id="aws-input-yaml-not-read"),
]  # fmt: skip


@pytest.mark.parametrize("command", UNKNOWN)
def test_unknown_values_are_explicit(command: str, cwd: Path) -> None:
    effects = run(command, cwd)
    assert_has_unknown(effects)


def test_download_over_existing_file_is_an_overwrite(cwd: Path) -> None:
    effect = find(run("aws s3 cp s3://b/k.txt .", cwd), Kind.FILE_OVERWRITE, "./k.txt")
    assert effect.path == str(cwd / "k.txt")
    assert effect.exists is True


@pytest.mark.parametrize(
    ("command", "kind", "target"),
    [
        pytest.param("aws s3 sync s3://b ./site --delete", Kind.FILE_DELETE, "./site", id="aws-sync-delete-local"),
        pytest.param("gsutil cp gs://b/k.txt ./k.txt", Kind.FILE_OVERWRITE, "./k.txt", id="gsutil-download"),
        pytest.param("rclone sync r:b ./site", Kind.FILE_DELETE, "./site", id="rclone-sync-to-local"),
        pytest.param("rclone delete ./site", Kind.FILE_DELETE, "./site", id="rclone-local-delete"),
        pytest.param("rclone completion zsh out.zsh", Kind.FILE_WRITE, "out.zsh", id="rclone-completion-file"),
        pytest.param("aws s3 mv ./k.txt s3://b/", Kind.FILE_MOVE, "./k.txt", id="aws-mv-local-away"),
        pytest.param("s3cmd get s3://b/k.txt", Kind.FILE_OVERWRITE, "./k.txt", id="s3cmd-get"),
        pytest.param("az storage blob download -c c -n k.txt -f k.txt", Kind.FILE_OVERWRITE, "k.txt", id="az-dl"),
        pytest.param("azcopy copy 'https://a.blob.core.windows.net/c/k.txt?sig=s' ./k.txt", Kind.FILE_OVERWRITE,
                     "./k.txt", id="azcopy-download"),
        pytest.param("aws s3api get-object --bucket b --key k out.json", Kind.FILE_WRITE, "out.json",
                     id="s3api-get-object-outfile"),
        pytest.param("aws s3api select-object-content --bucket b --key k --expression 'select 1' "
                     "--expression-type SQL --input-serialization '{}' --output-serialization '{}' k.txt",
                     Kind.FILE_OVERWRITE, "k.txt", id="s3api-select-outfile"),
        pytest.param("aws polly synthesize-speech --text hi --voice-id Joanna --output-format mp3 hi.mp3",
                     Kind.FILE_WRITE, "hi.mp3", id="polly-outfile"),
        pytest.param("gcloud compute ssh vm --command 'rm -rf /srv/data'", Kind.FILE_DELETE, "/srv/data",
                     id="gcloud-ssh-command"),
        pytest.param("az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts 'rm -rf /srv/x'",
                     Kind.FILE_DELETE, "/srv/x", id="az-run-command"),
        pytest.param("""aws ssm send-command --instance-ids i-1 --document-name AWS-RunShellScript """
                     """--parameters 'commands=["rm -rf /var/data"]'""", Kind.FILE_DELETE, "/var/data",
                     id="aws-ssm-send-command"),
        pytest.param("az container exec -g rg -n c --exec-command 'rm -rf /app'", Kind.FILE_DELETE, "/app",
                     id="az-container-exec"),
        pytest.param("oci os object get --bucket-name b --name k --file out.txt", Kind.FILE_WRITE, "out.txt",
                     id="oci-object-get-file"),
        pytest.param("hcloud server ssh web -- rm -rf /srv/www", Kind.FILE_DELETE, "/srv/www", id="hcloud-ssh"),
        pytest.param("gcloud compute ssh vm --zone z -- rm -rf /srv/www", Kind.FILE_DELETE, "/srv/www",
                     id="gcloud-ssh-dashdash"),
        pytest.param("doctl compute ssh web --ssh-command 'rm -rf /srv/www'", Kind.FILE_DELETE, "/srv/www",
                     id="doctl-ssh"),
    ],
)  # fmt: skip
def test_local_side_effects(command: str, kind: Kind, target: str, cwd: Path) -> None:
    find(run(command, cwd), kind, target)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("aws eks update-kubeconfig --name c", id="aws-eks"),
        pytest.param("gcloud container clusters get-credentials c --region r", id="gke"),
        pytest.param("az aks get-credentials -g rg -n c", id="aks"),
        pytest.param("doctl kubernetes cluster kubeconfig save c", id="doks"),
        pytest.param("ibmcloud ks cluster config --cluster c", id="iks"),
    ],
)
def test_cluster_credentials_are_written_to_the_kubeconfig(command: str, cwd: Path) -> None:
    effects = run(command, cwd)
    assert [(e.kind, e.path) for e in effects] == [(Kind.FILE_WRITE, str(cwd / "home" / ".kube" / "config"))]


def test_aws_configure_writes_the_credentials_file(cwd: Path) -> None:
    effects = run("aws configure set aws_secret_access_key x", cwd)
    assert [(e.kind, e.path) for e in effects] == [(Kind.FILE_WRITE, str(cwd / "home" / ".aws" / "credentials"))]


# ---- end to end through the default policy ---------------------------------------------------------------

DECISIONS = [
    pytest.param("aws s3 rb s3://b --force", Verdict.ASK, id="rb-asks"),
    pytest.param("aws --profile prod s3 rb s3://b", Verdict.DENY, id="rb-on-prod-profile-denied"),
    pytest.param("AWS_PROFILE=production aws ec2 terminate-instances --instance-ids i-1", Verdict.DENY,
                 id="terminate-prod-env-denied"),
    pytest.param("aws iam delete-user --user-name bob", Verdict.ASK, id="iam-delete-asks"),
    pytest.param("aws s3 ls", Verdict.ALLOW, id="s3-ls-allowed"),
    pytest.param("aws --profile prod ec2 describe-instances", Verdict.ALLOW, id="prod-read-allowed"),
    pytest.param("aws s3 cp ./src s3://b/src --recursive", Verdict.ALLOW, id="upload-allowed"),
    pytest.param("aws ec2 terminate-instances --dry-run --instance-ids i-1", Verdict.ALLOW, id="dry-run-allowed"),
    pytest.param('aws s3 rb "$BUCKET"', Verdict.ASK, id="unknown-bucket-asks"),
    pytest.param("aws s3 cp s3://b/memory.db .agentic-qe/memory.db", Verdict.ASK, id="download-over-protected-data"),
    pytest.param("gcloud projects delete my-prod-1", Verdict.DENY, id="gcloud-prod-project-denied"),
    pytest.param("gcloud compute instances list", Verdict.ALLOW, id="gcloud-list-allowed"),
    pytest.param("az group delete -n prod-rg --yes", Verdict.DENY, id="az-prod-resource-group-denied"),
    pytest.param("az vm delete -g rg -n vm --subscription prod-sub --yes", Verdict.DENY, id="az-prod-sub-denied"),
    pytest.param("az vm delete -g rg -n vm --yes", Verdict.ASK, id="az-delete-asks"),
    pytest.param("az account show", Verdict.ALLOW, id="az-show-allowed"),
    pytest.param("rclone sync ./src backup:src", Verdict.ASK, id="rclone-sync-asks"),
    pytest.param("doctl compute droplet list", Verdict.ALLOW, id="doctl-list-allowed"),
]  # fmt: skip


@pytest.mark.parametrize(("command", "verdict"), DECISIONS)
def test_decisions(command: str, verdict: Verdict, decide: Callable[[str], Decision]) -> None:
    decision = decide(command)
    assert decision.verdict == verdict, decision.reasons


def test_table_sizes() -> None:
    assert len(DESTRUCTIVE) >= 60
    assert len(BENIGN) >= 60


# ---- robustness --------------------------------------------------------------------------------------------

TOOLS = ["aws", "gcloud", "gsutil", "az", "azcopy", "doctl", "s3cmd", "rclone", "oci", "ibmcloud", "linode-cli",
         "hcloud"]  # fmt: skip
TOKENS = """delete rm rb ls list get s3 s3api ec2 terminate-instances sync cp mv ssh invoke run-command send-command
    configure storage compute instances projects group vm s3://b s3://b/k gs://b gs://b/k r: r:x ./a . - -- = ''
    --profile --region --project --subscription -g -n --ids --name --command --scripts --dry-run --dryrun -r -d -f
    --delete --recursive --force --x= "$X" $X $(id) help --help --generate-cli-skeleton dedupe purge kubeconfig
    --delete-destination=true https://a.blob.core.windows.net/c?sig=s --parameters commands=[ls] --mode complete
    --cli-input-json file://x.json {"A":1}""".split()


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TOOLS), st.lists(st.sampled_from(TOKENS), max_size=8))
def test_handlers_never_raise(tool: str, words: list[str]) -> None:
    assert_never_crashes(" ".join([tool, *words]))


def run_plain(command: str) -> tuple[Effect, ...]:
    return analyze_command(command, "/tmp", home="/tmp/agentguard-test-home")
