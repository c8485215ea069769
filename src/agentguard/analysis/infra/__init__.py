"""Clusters, infrastructure as code and containers: kubectl, helm, terraform, pulumi, docker…

Each submodule handles one group of tools; this table is what the registry imports. kind, minikube, k3d,
vagrant, virsh, lxc and nomad are program specs (spec/programs/infra.toml) whose hooks are local.py and
machines.py.
"""

from __future__ import annotations

from agentguard.analysis.infra.containers import docker, docker_compose
from agentguard.analysis.infra.deploy import ansible, cdk, eksctl, pulumi, serverless
from agentguard.analysis.infra.helm import helm
from agentguard.analysis.infra.kube import k9s, kubectl
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
    "podman-compose": docker_compose,
}
