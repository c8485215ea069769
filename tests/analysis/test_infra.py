"""Clusters, infrastructure as code, containers and VMs, parsed end to end from real command lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from families import assert_harmless, assert_has_unknown, assert_never_crashes, assert_registry_matches, find
from hypothesis import given, settings
from hypothesis import strategies as st

from agentguard.analysis import analyze_command
from agentguard.analysis.infra import HANDLERS
from agentguard.models import Effect, Kind, Verdict

CD, ID, CT = Kind.CLUSTER_DESTROY, Kind.INFRA_DESTROY, Kind.CONTAINER_DESTROY
HANDLER_NAMES = frozenset(HANDLERS)


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    """A project directory called `shop` (compose names its project after it), with a data dir to mount."""
    root = tmp_path / "shop"
    (root / "data").mkdir(parents=True)
    (root / "envs" / "prod").mkdir(parents=True)
    (root / "data" / "orders.csv").write_text("1,2\n")
    return root


def run(command: str, cwd: Path) -> tuple[Effect, ...]:
    return analyze_command(command, str(cwd))


DESTRUCTIVE = [
    # kubectl: delete in every shape, with global options before and after the verb
    pytest.param("kubectl delete pod x", CD, "pod x", {}, id="kubectl-delete-pod"),
    pytest.param(
        "kubectl --context prod-eu delete deploy api",
        CD,
        "deployment api",
        {"kube_context": "prod-eu"},
        id="kubectl-context-before-verb",
    ),
    pytest.param(
        "kubectl delete deploy api --context=prod-eu -n payments",
        CD,
        "deployment api (namespace payments)",
        {"kube_context": "prod-eu", "namespace": "payments"},
        id="kubectl-options-after-verb",
    ),
    pytest.param(
        "kubectl --kubeconfig ~/.kube/prod.yaml delete pod x",
        CD,
        "pod x",
        {"kubeconfig": "prod.yaml"},
        id="kubectl-kubeconfig",
    ),
    pytest.param("kubectl delete ns payments", CD, "namespace payments", {"namespace": "payments"}, id="kubectl-ns"),
    pytest.param("kubectl delete namespace a b", CD, "namespace b", {"namespace": "b"}, id="kubectl-two-namespaces"),
    pytest.param(
        "kubectl delete pods --all -n dev",
        CD,
        "all pods (namespace dev)",
        {"namespace": "dev"},
        id="kubectl-delete-all",
    ),
    pytest.param(
        "kubectl delete pvc --all -A",
        CD,
        "all persistentvolumeclaims (namespace all namespaces)",
        {"namespace": "all namespaces"},
        id="kubectl-all-namespaces",
    ),
    pytest.param("kubectl delete -f k8s/", CD, "resources in k8s/", {}, id="kubectl-delete-file"),
    pytest.param(
        "kubectl delete deploy -l app=web", CD, "deployments with labels app=web", {}, id="kubectl-delete-selector"
    ),
    pytest.param("kubectl delete deploy/api svc/api", CD, "deployment api, service api", {}, id="kubectl-slash"),
    pytest.param(
        "kubectl -n shop delete pvc data-db-0",
        CD,
        "persistentvolumeclaim data-db-0 (namespace shop)",
        {"namespace": "shop"},
        id="kubectl-pvc",
    ),
    pytest.param("kubectl drain node-1 --ignore-daemonsets", CD, "node node-1", {}, id="kubectl-drain"),
    pytest.param("kubectl replace --force -f deploy.yaml", CD, "resources in deploy.yaml", {}, id="replace-force"),
    pytest.param("kubectl scale deploy/api --replicas=0", CD, "deployment api", {}, id="scale-to-zero"),
    pytest.param("kubectl scale --replicas 0 statefulset db", CD, "statefulset db", {}, id="scale-to-zero-spaced"),
    pytest.param("kubectl apply -f x.yaml --prune -l app=x", CD, "resources in x.yaml", {}, id="apply-prune"),
    pytest.param(
        'kubectl patch deploy api -p \'{"spec":{"replicas":0}}\'', CD, "deployment api", {}, id="patch-replicas-zero"
    ),
    pytest.param(
        "kubectl delete all --all -n shop",
        CD,
        "all resources (namespace shop)",
        {"namespace": "shop"},
        id="kubectl-delete-all-all",
    ),
    pytest.param("kubectl taint nodes n1 dedicated=x:NoExecute", CD, "node n1", {}, id="taint-noexecute"),
    pytest.param("oc delete project demo", CD, "namespace demo", {"namespace": "demo"}, id="oc-delete-project"),
    pytest.param("oc adm drain worker-2", CD, "node worker-2", {}, id="oc-adm-drain"),
    pytest.param(
        "kubectl exec db-0 -- sh -c 'rm -rf /var/lib/data'", CD, "/var/lib/data (in pod db-0)", {}, id="kubectl-exec-rm"
    ),
    # helm
    pytest.param("helm uninstall api -n prod", CD, "helm release api", {"namespace": "prod"}, id="helm-uninstall"),
    pytest.param(
        "helm delete api web --kube-context prod-us",
        CD,
        "helm release web",
        {"kube_context": "prod-us"},
        id="helm-delete-two",
    ),
    pytest.param("helm upgrade api ./chart --force", CD, "helm release api", {}, id="helm-upgrade-force"),
    # terraform / tofu / terragrunt
    pytest.param("terraform destroy", ID, "all resources", {}, id="tf-destroy"),
    pytest.param(
        "TF_WORKSPACE=prod terraform destroy -auto-approve",
        ID,
        "all resources (workspace prod)",
        {"workspace": "prod"},
        id="tf-workspace-env",
    ),
    pytest.param(
        "terraform -chdir=envs/prod apply -destroy",
        ID,
        "all resources (workspace prod)",
        {"workspace": "prod", "env": "prod"},
        id="tf-chdir-apply-destroy",
    ),
    pytest.param("terraform destroy -target=aws_instance.web", ID, "resource aws_instance.web", {}, id="tf-target"),
    pytest.param(
        "terraform destroy -target aws_db_instance.main -var-file=prod.tfvars",
        ID,
        "resource aws_db_instance.main",
        {"env": "prod"},
        id="tf-var-file-env",
    ),
    pytest.param(
        "TF_VAR_env=production terraform destroy", ID, "all resources", {"env": "production"}, id="tf-var-env"
    ),
    pytest.param("cd envs/prod && terraform destroy", ID, "all resources", {"env": "prod"}, id="tf-env-directory"),
    pytest.param("terraform apply -replace=aws_instance.web", ID, "resource aws_instance.web", {}, id="tf-replace"),
    pytest.param("terraform state rm aws_instance.web", ID, "terraform state: aws_instance.web", {}, id="tf-state-rm"),
    pytest.param("terraform state push -force backup.tfstate", ID, "terraform state", {}, id="tf-state-push"),
    pytest.param("terraform taint aws_instance.web", ID, "resource aws_instance.web", {}, id="tf-taint"),
    pytest.param(
        "terraform workspace delete staging",
        ID,
        "terraform workspace staging",
        {"workspace": "staging"},
        id="tf-workspace-delete",
    ),
    pytest.param("terraform force-unlock 1234", ID, "terraform state lock 1234", {}, id="tf-force-unlock"),
    pytest.param("tofu destroy --auto-approve", ID, "all resources", {}, id="tofu-double-dash"),
    pytest.param("terragrunt run-all destroy", ID, "all resources (all modules)", {}, id="terragrunt-run-all"),
    pytest.param("terragrunt run --all -- destroy", ID, "all resources (all modules)", {}, id="terragrunt-run-all-new"),
    pytest.param("terragrunt destroy-all", ID, "all resources (all modules)", {}, id="terragrunt-destroy-all"),
    # pulumi, cdk, serverless, eksctl
    pytest.param(
        "pulumi destroy -s prod --yes", ID, "all resources (stack prod)", {"stack": "prod"}, id="pulumi-destroy"
    ),
    pytest.param("pulumi down --stack=dev", ID, "all resources (stack dev)", {"stack": "dev"}, id="pulumi-down"),
    pytest.param("pulumi stack rm dev --force", ID, "pulumi stack dev", {"stack": "dev"}, id="pulumi-stack-rm"),
    pytest.param("pulumi up --replace urn:x -s prod", ID, "urn:x (stack prod)", {"stack": "prod"}, id="pulumi-replace"),
    pytest.param("pulumi state delete urn:y", ID, "pulumi state (selected stack) urn:y", {}, id="pulumi-state-delete"),
    pytest.param(
        "cdk destroy MyStack --profile prod", ID, "CloudFormation stack MyStack", {"profile": "prod"}, id="cdk-destroy"
    ),
    pytest.param("sls remove --stage prod", ID, "serverless service (stage prod)", {"env": "prod"}, id="sls-remove"),
    pytest.param(
        "serverless remove -s dev -r eu-west-1",
        ID,
        "serverless service (stage dev)",
        {"env": "dev", "region": "eu-west-1"},
        id="serverless-remove",
    ),
    pytest.param(
        "eksctl delete cluster --name prod-eks",
        ID,
        "EKS cluster prod-eks",
        {"kube_context": "prod-eks"},
        id="eksctl-delete-cluster",
    ),
    pytest.param(
        "eksctl delete nodegroup --cluster c1 --name ng1",
        ID,
        "EKS nodegroup ng1",
        {"kube_context": "c1"},
        id="eksctl-delete-nodegroup",
    ),
    # docker / podman / nerdctl
    pytest.param("docker system prune -a --volumes", CT, "docker volumes (all unused)", {}, id="system-prune-volumes"),
    pytest.param("docker system prune -a", CT, "docker images (all unused)", {}, id="system-prune-all"),
    pytest.param("docker system prune -f", CT, "docker containers (stopped)", {}, id="system-prune"),
    pytest.param("docker volume rm pgdata", CT, "volume pgdata", {}, id="volume-rm"),
    pytest.param("docker volume prune -a -f", CT, "docker volumes (all unused)", {}, id="volume-prune-all"),
    pytest.param("docker volume prune", CT, "docker volumes (unused anonymous)", {}, id="volume-prune"),
    pytest.param("docker rm -v web", CT, "container web and its anonymous volumes", {}, id="rm-volumes"),
    pytest.param("docker rm -f web", CT, "container web", {}, id="rm-force"),
    pytest.param("docker container rm --force web", CT, "container web", {}, id="container-rm-force"),
    pytest.param("docker image prune -a", CT, "docker images (all unused)", {}, id="image-prune"),
    pytest.param("docker rmi node:18", CT, "image node:18", {}, id="rmi"),
    pytest.param("docker image rm node:18", CT, "image node:18", {}, id="image-rm"),
    pytest.param("docker network rm backend", CT, "network backend", {}, id="network-rm"),
    pytest.param("docker container prune", CT, "docker containers (stopped)", {}, id="container-prune"),
    pytest.param(
        "docker --context prod-eu volume rm data", CT, "volume data", {"context": "prod-eu"}, id="docker-context"
    ),
    pytest.param(
        "docker -H ssh://prod-db volume prune",
        CT,
        "docker volumes (unused anonymous)",
        {"host": "ssh://prod-db"},
        id="docker-host-option",
    ),
    pytest.param(
        "DOCKER_HOST=ssh://prod docker system prune",
        CT,
        "docker containers (stopped)",
        {"host": "ssh://prod"},
        id="docker-host-env",
    ),
    pytest.param(
        "podman system reset", CT, "podman: every container, image, volume and network", {}, id="podman-reset"
    ),
    pytest.param("podman volume rm data", CT, "volume data", {}, id="podman-volume-rm"),
    pytest.param("nerdctl -n k8s.io rmi busybox", CT, "image busybox", {"namespace": "k8s.io"}, id="nerdctl-rmi"),
    pytest.param("docker compose down -v", CT, "compose volumes (project shop)", {}, id="compose-down-v"),
    pytest.param(
        "docker compose -p prod down --volumes",
        CT,
        "compose volumes (project prod)",
        {"stack": "prod"},
        id="compose-project",
    ),
    pytest.param(
        "docker-compose -f docker-compose.prod.yml down -v",
        CT,
        "compose volumes (project shop)",
        {"env": "prod"},
        id="compose-file-env",
    ),
    pytest.param(
        "COMPOSE_FILE=compose.prod.yaml docker compose down -v",
        CT,
        "compose volumes (project shop)",
        {"env": "prod"},
        id="compose-file-env-var",
    ),
    pytest.param("docker compose down --rmi all", CT, "compose images (project shop, all)", {}, id="compose-rmi"),
    pytest.param("docker compose rm -fsv", CT, "compose volumes (project shop, anonymous)", {}, id="compose-rm-v"),
    pytest.param(
        "docker run --rm -v pgdata:/data alpine rm -rf /data/db",
        CT,
        "volume pgdata: /data/db",
        {},
        id="run-named-volume",
    ),
    pytest.param(
        "docker exec db rm -rf /var/lib/postgresql/data",
        CT,
        "/var/lib/postgresql/data (in container db)",
        {},
        id="exec-rm-data",
    ),
    pytest.param("docker compose exec db rm -rf /srv", CT, "/srv (in compose service db)", {}, id="compose-exec-rm"),
    # local clusters, VMs, nomad
    pytest.param(
        "kind delete cluster --name dev", CD, "kind cluster dev", {"kube_context": "kind-dev"}, id="kind-delete"
    ),
    pytest.param("minikube delete --all --purge", CD, "minikube all profiles", {}, id="minikube-delete"),
    pytest.param("minikube kubectl -- delete pod x", CD, "pod x", {}, id="minikube-kubectl"),
    pytest.param("k3d cluster delete mycluster", CD, "k3d mycluster", {}, id="k3d-delete"),
    pytest.param("vagrant destroy -f", ID, "vagrant VM default", {}, id="vagrant-destroy"),
    pytest.param("vagrant snapshot restore web before", ID, "vagrant VM web, before", {}, id="vagrant-restore"),
    pytest.param("virsh undefine vm1 --remove-all-storage", ID, "disks of VM vm1", {}, id="virsh-undefine"),
    pytest.param("virsh vol-delete disk.qcow2 --pool default", ID, "virsh disk.qcow2", {}, id="virsh-vol-delete"),
    pytest.param("lxc delete c1 --force", CT, "lxc c1", {}, id="lxc-delete"),
    pytest.param("lxc storage volume delete pool1 vol1", CT, "lxc pool1, vol1", {}, id="lxc-volume-delete"),
    pytest.param("nomad job stop -purge api", CD, "nomad api", {}, id="nomad-stop"),
    pytest.param(
        "nomad node drain -enable -address=http://prod:4646 n1",
        CD,
        "nomad n1",
        {"host": "http://prod:4646"},
        id="nomad-drain",
    ),
    pytest.param(
        "ansible all -m shell -a 'rm -rf /var/www'",
        ID,
        "/var/www (in hosts all)",
        {"host": "all"},
        id="ansible-adhoc-rm",
    ),
]


@pytest.mark.parametrize(("command", "kind", "target", "context"), DESTRUCTIVE)
def test_destructive(command: str, kind: Kind, target: str, context: dict[str, str], cwd: Path) -> None:
    effect = find(run(command, cwd), kind, target)
    assert kind.destructive
    assert dict(effect.context).items() >= context.items()


BENIGN = [
    # kubectl reads and ordinary writes
    pytest.param("kubectl get pods", Kind.READ, "cluster", id="kubectl-get"),
    pytest.param("kubectl -n prod get pods -o wide", Kind.READ, "cluster", id="kubectl-get-namespace"),
    pytest.param("kubectl describe deploy api", Kind.READ, "cluster", id="kubectl-describe"),
    pytest.param("kubectl logs -f api-123 -c app", Kind.READ, "cluster", id="kubectl-logs"),
    pytest.param("kubectl top pods", Kind.READ, "cluster", id="kubectl-top"),
    pytest.param("kubectl diff -f k8s/", Kind.READ, "cluster", id="kubectl-diff"),
    pytest.param("kubectl config get-contexts", Kind.READ, "kubeconfig", id="kubectl-config-read"),
    pytest.param("kubectl config use-context dev", Kind.CLOUD_WRITE, "kubeconfig", id="kubectl-use-context"),
    pytest.param("kubectl auth can-i delete pods", Kind.READ, "cluster RBAC", id="kubectl-can-i"),
    pytest.param("kubectl apply -f k8s/", Kind.CLOUD_WRITE, "resources in k8s/", id="kubectl-apply"),
    pytest.param("kubectl scale deploy api --replicas=3", Kind.CLOUD_WRITE, "deployment api", id="kubectl-scale"),
    pytest.param("kubectl rollout restart deploy/api", Kind.CLOUD_WRITE, "deployment api", id="rollout-restart"),
    pytest.param(
        'kubectl patch deploy api -p \'{"spec":{"replicas":10}}\'',
        Kind.CLOUD_WRITE,
        "deployment api",
        id="patch-replicas-ten",
    ),
    pytest.param("kubectl rollout status deploy/api", Kind.READ, "deployment api", id="rollout-status"),
    pytest.param("kubectl delete pod x --dry-run=client", Kind.READ, "pod x", id="kubectl-dry-run"),
    pytest.param("kubectl port-forward svc/api 8080:80", Kind.EXEC_PROGRAM, "cluster", id="port-forward"),
    pytest.param("kubectl cp db-0:/tmp/dump.sql ./dump.sql", Kind.FILE_WRITE, "./dump.sql", id="kubectl-cp-out"),
    pytest.param("kubectl exec api-0 -- ls /app", Kind.EXEC_PROGRAM, "pod api-0", id="kubectl-exec-ls"),
    pytest.param("oc status", Kind.READ, "cluster", id="oc-status"),
    pytest.param("oc new-project demo", Kind.CLOUD_WRITE, "cluster", id="oc-new-project"),
    # helm
    pytest.param("helm list -A", Kind.READ, "helm releases", id="helm-list"),
    pytest.param("helm status api", Kind.READ, "helm releases", id="helm-status"),
    pytest.param("helm template api ./chart", Kind.READ, "helm releases", id="helm-template"),
    pytest.param("helm upgrade --install api ./chart", Kind.CLOUD_WRITE, "helm release api", id="helm-upgrade"),
    pytest.param("helm uninstall api --dry-run", Kind.READ, "helm releases", id="helm-uninstall-dry-run"),
    pytest.param(
        "helm repo add bitnami https://charts.bitnami.com",
        Kind.EXEC_BUILD,
        "helm charts and repositories",
        id="helm-repo-add",
    ),
    pytest.param("helm dependency update ./chart", Kind.EXEC_BUILD, "helm charts and repositories", id="helm-dep"),
    # terraform
    pytest.param("terraform plan", Kind.READ, "infrastructure", id="tf-plan"),
    pytest.param("terraform plan -destroy -out=destroy.tfplan", Kind.READ, "infrastructure", id="tf-plan-destroy"),
    pytest.param("terraform validate", Kind.READ, "infrastructure", id="tf-validate"),
    pytest.param("terraform fmt -check -recursive", Kind.READ, "terraform files", id="tf-fmt-check"),
    pytest.param("terraform fmt", Kind.EXEC_BUILD, "terraform working directory", id="tf-fmt"),
    pytest.param("terraform show", Kind.READ, "infrastructure", id="tf-show"),
    pytest.param("terraform output -json", Kind.READ, "infrastructure", id="tf-output"),
    pytest.param("terraform init -upgrade", Kind.EXEC_BUILD, "terraform working directory", id="tf-init"),
    pytest.param("terraform state list", Kind.READ, "terraform state", id="tf-state-list"),
    pytest.param("terraform workspace list", Kind.READ, "terraform workspaces", id="tf-workspace-list"),
    pytest.param("terraform apply -auto-approve", Kind.CLOUD_WRITE, "infrastructure", id="tf-apply"),
    pytest.param("terraform apply tfplan", Kind.CLOUD_WRITE, "infrastructure", id="tf-apply-plan"),
    pytest.param("terraform import aws_s3_bucket.b my-bucket", Kind.CLOUD_WRITE, "terraform state", id="tf-import"),
    pytest.param("tofu plan", Kind.READ, "infrastructure", id="tofu-plan"),
    pytest.param("terragrunt run-all plan", Kind.READ, "infrastructure (all modules)", id="terragrunt-plan"),
    # pulumi, cdk, serverless, eksctl, ansible
    pytest.param("pulumi preview -s prod", Kind.READ, "pulumi stack prod", id="pulumi-preview"),
    pytest.param("pulumi up --yes", Kind.CLOUD_WRITE, "infrastructure (selected stack)", id="pulumi-up"),
    pytest.param("pulumi destroy --preview-only", Kind.READ, "pulumi selected stack", id="pulumi-destroy-preview"),
    pytest.param("pulumi stack ls", Kind.READ, "pulumi selected stack", id="pulumi-stack-ls"),
    pytest.param("pulumi config set region eu", Kind.CLOUD_WRITE, "pulumi config (selected stack)", id="pulumi-cfg"),
    pytest.param("cdk synth", Kind.READ, "cdk app", id="cdk-synth"),
    pytest.param("cdk diff MyStack", Kind.READ, "cdk app", id="cdk-diff"),
    pytest.param("cdk deploy MyStack", Kind.CLOUD_WRITE, "CloudFormation stack MyStack", id="cdk-deploy"),
    pytest.param("sls deploy --stage dev", Kind.CLOUD_WRITE, "serverless service (stage dev)", id="sls-deploy"),
    pytest.param("serverless info", Kind.READ, "serverless service (stage dev)", id="sls-info"),
    pytest.param("eksctl get clusters", Kind.READ, "EKS clusters", id="eksctl-get"),
    pytest.param("eksctl create cluster --name dev", Kind.CLOUD_WRITE, "EKS cluster dev", id="eksctl-create"),
    pytest.param("ansible-playbook site.yml --check", Kind.READ, "hosts inventory hosts", id="ansible-check"),
    pytest.param("ansible-playbook -i hosts site.yml", Kind.EXEC_PROGRAM, "hosts inventory hosts", id="playbook"),
    pytest.param("ansible all -m ping", Kind.READ, "hosts all", id="ansible-ping"),
    # docker
    pytest.param("docker ps -a", Kind.READ, "docker", id="docker-ps"),
    pytest.param("docker images", Kind.READ, "docker", id="docker-images"),
    pytest.param("docker logs -f web", Kind.READ, "docker", id="docker-logs"),
    pytest.param("docker inspect web", Kind.READ, "docker", id="docker-inspect"),
    pytest.param("docker volume ls", Kind.READ, "docker", id="docker-volume-ls"),
    pytest.param("docker system df", Kind.READ, "docker", id="docker-system-df"),
    pytest.param("docker build -t app .", Kind.EXEC_BUILD, "docker images", id="docker-build"),
    pytest.param("docker buildx build --platform linux/amd64 .", Kind.EXEC_BUILD, "docker images", id="buildx"),
    pytest.param("docker builder prune -f", Kind.EXEC_BUILD, "docker build cache", id="builder-prune"),
    pytest.param("docker pull postgres:16", Kind.EXEC_BUILD, "docker images", id="docker-pull"),
    pytest.param("docker push registry/app:1", Kind.CLOUD_WRITE, "docker push", id="docker-push"),
    pytest.param("docker run --rm -it -p 8080:80 nginx", Kind.EXEC_PROGRAM, "container from nginx", id="docker-run"),
    pytest.param(
        "docker run --rm -v /tmp/cache:/cache alpine ls /cache",
        Kind.EXEC_PROGRAM,
        "container from alpine",
        id="docker-run-ls",
    ),
    pytest.param("docker stop web", Kind.EXEC_PROGRAM, "docker stop", id="docker-stop"),
    pytest.param("docker rm web", Kind.EXEC_PROGRAM, "container web", id="docker-rm-stopped"),
    pytest.param("docker exec -it web bash", Kind.EXEC_PROGRAM, "container web", id="docker-exec-shell"),
    pytest.param("docker compose up -d", Kind.EXEC_PROGRAM, "compose project shop", id="compose-up"),
    pytest.param("docker compose down", Kind.EXEC_PROGRAM, "compose project shop", id="compose-down"),
    pytest.param(
        "docker compose down --remove-orphans", Kind.EXEC_PROGRAM, "compose project shop", id="compose-down-orphans"
    ),
    pytest.param("docker compose logs -f api", Kind.READ, "compose project shop", id="compose-logs"),
    pytest.param("docker compose ps", Kind.READ, "compose project shop", id="compose-ps"),
    pytest.param("docker-compose build", Kind.EXEC_BUILD, "compose project shop", id="docker-compose-build"),
    pytest.param("podman ps", Kind.READ, "podman", id="podman-ps"),
    pytest.param("docker cp web:/etc/app.conf ./app.conf", Kind.FILE_WRITE, "./app.conf", id="docker-cp-out"),
    # local clusters, VMs, nomad
    pytest.param("kind create cluster --name dev", Kind.EXEC_PROGRAM, "kind cluster dev", id="kind-create"),
    pytest.param("kind get clusters", Kind.READ, "kind cluster", id="kind-get"),
    pytest.param("minikube start", Kind.EXEC_PROGRAM, "minikube minikube", id="minikube-start"),
    pytest.param("minikube status", Kind.READ, "minikube", id="minikube-status"),
    pytest.param("k3d cluster list", Kind.READ, "k3d", id="k3d-list"),
    pytest.param("vagrant up", Kind.EXEC_PROGRAM, "vagrant VM default", id="vagrant-up"),
    pytest.param("vagrant status", Kind.READ, "vagrant VM", id="vagrant-status"),
    pytest.param("virsh list --all", Kind.READ, "virsh", id="virsh-list"),
    pytest.param("virsh start vm1", Kind.EXEC_PROGRAM, "virsh vm1", id="virsh-start"),
    pytest.param("lxc list", Kind.READ, "lxc", id="lxc-list"),
    pytest.param("nomad job status api", Kind.READ, "nomad", id="nomad-status"),
    pytest.param("nomad job run api.nomad", Kind.CLOUD_WRITE, "nomad api.nomad", id="nomad-run"),
    pytest.param("nomad node drain -disable n1", Kind.CLOUD_WRITE, "nomad node", id="nomad-undrain"),
    pytest.param("k9s --readonly", Kind.READ, "cluster", id="k9s-readonly"),
]


@pytest.mark.parametrize(("command", "kind", "target"), BENIGN)
def test_benign(command: str, kind: Kind, target: str, cwd: Path) -> None:
    effects = run(command, cwd)
    find(effects, kind, target)
    assert_harmless(effects)


UNKNOWN = [
    pytest.param('kubectl delete ns "$NS"', id="kubectl-unknown-namespace-name"),
    pytest.param('kubectl --context "$CTX" delete pod x', id="kubectl-unknown-context"),
    pytest.param("kubectl delete pod $(kubectl get pods -o name | head -1)", id="kubectl-substitution"),
    pytest.param("kubectl frobnicate", id="kubectl-unknown-verb"),
    pytest.param('helm uninstall "$RELEASE"', id="helm-unknown-release"),
    pytest.param("helm frob", id="helm-unknown-verb"),
    pytest.param('terraform destroy -target="$T"', id="tf-unknown-target"),
    pytest.param("terraform frob", id="tf-unknown-verb"),
    pytest.param('pulumi destroy -s "$STACK"', id="pulumi-unknown-stack"),
    pytest.param("docker volume rm $(docker volume ls -q)", id="docker-volume-substitution"),
    pytest.param("docker rm -f $(docker ps -aq)", id="docker-rm-f-substitution"),
    pytest.param("docker run -v /:/host alpine true", id="docker-mount-host-root"),
    pytest.param("docker run -v /var/run/docker.sock:/var/run/docker.sock docker:cli ps", id="docker-socket"),
    pytest.param("docker run --privileged ubuntu", id="docker-privileged"),
    pytest.param('docker run --rm -v "$SRC":/app alpine rm -rf /app/x', id="docker-unknown-mount-source"),
    pytest.param('ansible all -m shell -a "$CMD"', id="ansible-unknown-command"),
]


@pytest.mark.parametrize("command", UNKNOWN)
def test_unknown(command: str, cwd: Path) -> None:
    assert_has_unknown(run(command, cwd))


def test_bind_mount_maps_back_to_host(cwd: Path) -> None:
    """A delete under a bind mount is the host's file: judged as a host path, with its real path."""
    effects = run(f"docker run --rm -v {cwd}/data:/in alpine rm -rf /in/orders.csv", cwd)
    host = find(effects, Kind.FILE_DELETE, f"{cwd}/data/orders.csv")
    assert host.path == f"{cwd}/data/orders.csv"


def test_bind_mount_delete_is_judged_on_the_host_tree(cwd: Path) -> None:
    """Whether the host path is a directory decides `recursive`, not what the host has at the container path."""
    effects = run(f"docker run --rm -v {cwd}:/w alpine rm -rf /w/data", cwd)
    tree = find(effects, Kind.FILE_DELETE, f"{cwd}/data")
    assert tree.recursive and tree.is_dir and tree.exists


def test_host_root_mount_reaches_host_paths(cwd: Path) -> None:
    effects = run("docker run -v /:/host alpine rm -rf /host/etc", cwd)
    assert find(effects, Kind.FILE_DELETE, "/etc").path == "/etc"


def test_inside_container_paths_are_not_host_paths(cwd: Path) -> None:
    effects = run("docker exec web rm -f /app/data.db", cwd)
    inner = find(effects, Kind.FILE_DELETE, "/app/data.db (in container web)")
    assert inner.path is None and inner.real_path is None


def test_scratch_delete_inside_a_container_stays_a_file_effect(cwd: Path) -> None:
    """`rm -rf /tmp/x` in a container loses nothing that matters: a file effect without a host path (allowed)."""
    effects = run("docker exec web sh -c 'rm -rf /tmp/cache'", cwd)
    inner = find(effects, Kind.FILE_DELETE, "/tmp/cache (in container web)")
    assert inner.path is None
    assert not [e for e in effects if e.kind in (Kind.CONTAINER_DESTROY, Kind.UNKNOWN)]


def test_sql_inside_a_pod_is_analysed(cwd: Path) -> None:
    effects = run("kubectl --context prod exec db-0 -- psql -c 'DROP TABLE users'", cwd)
    drop = find(effects, Kind.DB_DROP, "table users")
    assert drop.ctx("kube_context") == "prod"


def test_every_kubectl_operand_is_reported(cwd: Path) -> None:
    targets = {e.target for e in run("kubectl delete pod a b c", cwd)}
    assert targets == {"pod a, pod b, pod c"}


DECISIONS = [
    pytest.param("kubectl --context prod-eu delete deploy api", Verdict.DENY, id="prod-context-delete"),
    pytest.param("kubectl -n production delete pod x", Verdict.DENY, id="prod-namespace-delete"),
    pytest.param("KUBECONFIG=~/.kube/prod.yaml kubectl delete pod x", Verdict.DENY, id="prod-kubeconfig-delete"),
    pytest.param("kubectl delete pod x", Verdict.ASK, id="delete-pod"),
    pytest.param("kubectl get pods", Verdict.ALLOW, id="get-pods"),
    pytest.param("kubectl --context prod-eu get pods", Verdict.ALLOW, id="prod-read"),
    pytest.param("kubectl apply -f k8s/", Verdict.ALLOW, id="apply"),
    pytest.param("helm uninstall api --kube-context prod", Verdict.DENY, id="helm-prod-uninstall"),
    pytest.param("helm list", Verdict.ALLOW, id="helm-list"),
    pytest.param("terraform plan", Verdict.ALLOW, id="tf-plan"),
    pytest.param("terraform destroy", Verdict.ASK, id="tf-destroy"),
    pytest.param("TF_WORKSPACE=prod terraform destroy", Verdict.DENY, id="tf-prod-destroy"),
    pytest.param("terraform apply -var-file=prod.tfvars -destroy", Verdict.DENY, id="tf-prod-var-file"),
    pytest.param("pulumi destroy -s prod", Verdict.DENY, id="pulumi-prod"),
    pytest.param("docker compose down -v", Verdict.ASK, id="compose-down-v"),
    pytest.param("docker compose down", Verdict.ALLOW, id="compose-down"),
    pytest.param("docker ps", Verdict.ALLOW, id="docker-ps"),
    pytest.param("docker system prune -af --volumes", Verdict.ASK, id="system-prune"),
    pytest.param("docker --context prod volume rm data", Verdict.DENY, id="docker-prod-context"),
    pytest.param("docker run -v /:/host alpine rm -rf /host/etc", Verdict.DENY, id="host-root-rm"),
    pytest.param("docker exec web ls", Verdict.ALLOW, id="exec-ls"),
]


@pytest.mark.parametrize(("command", "verdict"), DECISIONS)
def test_decisions(decide, command: str, verdict: Verdict) -> None:  # type: ignore[no-untyped-def]
    assert decide(command).verdict == verdict


def test_every_registered_name_has_a_handler() -> None:
    assert_registry_matches("agentguard.analysis.infra", HANDLERS)


WORDS = [
    "-n",
    "prod",
    "--context",
    "delete",
    "rm",
    "-f",
    "-v",
    "--all",
    "-A",
    "pod",
    "--",
    "sh",
    "-c",
    "'rm -rf /'",
    "run",
    "exec",
    "destroy",
    "-target",
    "-",
    "--dry-run",
    "$X",
    "$(y)",
    "state",
    "workspace",
    "stack",
    "volume",
    "prune",
    "system",
    "compose",
    "down",
    "/:/host",
    "--mount",
    "type=bind,source=/,target=/h",
    "--replicas=0",
    "scale",
    "drain",
    "ssh",
    "run-all",
    "-s",
    "=",
    "",
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(HANDLER_NAMES)), st.lists(st.sampled_from(WORDS), max_size=7))
def test_handlers_never_crash(name: str, words: list[str]) -> None:
    assert_never_crashes(" ".join([name, *words]))
