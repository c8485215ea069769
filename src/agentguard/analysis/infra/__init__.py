"""Clusters, infrastructure as code, containers and VMs: kubectl, helm, terraform, pulumi, docker, vagrant…

Each submodule handles one group of tools; this table is what the registry imports.
"""

from __future__ import annotations

from agentguard.analysis.infra.containers import docker, docker_compose
from agentguard.analysis.infra.deploy import ansible, cdk, eksctl, pulumi, serverless
from agentguard.analysis.infra.helm import helm
from agentguard.analysis.infra.kube import k9s, kubectl
from agentguard.analysis.infra.local import k3d, kind_cli, minikube
from agentguard.analysis.infra.machines import lxc, nomad, vagrant, virsh
from agentguard.analysis.infra.terraform import terraform
from agentguard.analysis.types import Handler

HANDLERS: dict[str, Handler] = {
    "kubectl": kubectl,
    "oc": kubectl,
    "helm": helm,
    "k9s": k9s,
    "terraform": terraform,
    "tofu": terraform,
    "terragrunt": terraform,
    "pulumi": pulumi,
    "cdk": cdk,
    "serverless": serverless,
    "sls": serverless,
    "eksctl": eksctl,
    "ansible": ansible,
    "ansible-playbook": ansible,
    "docker": docker,
    "podman": docker,
    "nerdctl": docker,
    "docker-compose": docker_compose,
    "kind": kind_cli,
    "minikube": minikube,
    "k3d": k3d,
    "vagrant": vagrant,
    "virsh": virsh,
    "lxc": lxc,
    "nomad": nomad,
}
