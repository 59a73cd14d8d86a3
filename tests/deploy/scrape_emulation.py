#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Print a prometheus.yml that scrapes TARGET (host:port) three times, as
Kubernetes would (tests/e2e/t_deploy.sh):

- job serviceMonitor/NS/NAME/0 (node-a), as the Operator names it: the target labels the Prometheus Operator
  generates for a ServiceMonitor of an Endpoints object, then the
  relabelings of docs/deploy/servicemonitor.yaml;
- the job of docs/deploy/prometheus-scrape.yml (node-b), its relabel_configs;
- job naive (no node): the Operator's target labels alone, the collision the
  first two avoid;
- job honor (node-d): the same with honor_labels, which keeps the socket's
  labels but gives a socket of no pod the exporter's pod.

This Prometheus (Debian's) has no kubernetes_sd: a static target carries the
__meta_kubernetes_* labels that discovery would set for a waitwatch pod.

    scrape_emulation.py TARGET
"""
import copy
import os
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(ROOT, "docs", "deploy")


def load(name):
    with open(os.path.join(DEPLOY, name), encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def snake(relabelings):
    """The Operator's camelCase relabelings as Prometheus's relabel_configs."""
    keys = {"sourceLabels": "source_labels", "targetLabel": "target_label"}
    return [{keys.get(k, k): v for k, v in r.items()} for r in relabelings]


def meta(node, pod, ds, svc):
    """What kubernetes_sd (role endpoints or pod) sets for a waitwatch pod."""
    labels = ds["spec"]["template"]["metadata"]["labels"]
    m = {
        "__meta_kubernetes_namespace": ds["metadata"]["namespace"],
        "__meta_kubernetes_service_name": svc["metadata"]["name"],
        "__meta_kubernetes_pod_name": pod,
        "__meta_kubernetes_pod_node_name": node,
        "__meta_kubernetes_pod_container_name": ds["spec"]["template"]["spec"]["containers"][0]["name"],
        "__meta_kubernetes_pod_container_port_name": "metrics",
        "__meta_kubernetes_endpoint_port_name": "metrics",
    }
    for k, v in labels.items():
        m["__meta_kubernetes_pod_label_" + k.replace(".", "_").replace("/", "_").replace("-", "_")] = v
    return m


# The target labels prometheus-operator puts before a ServiceMonitor
# endpoint's own relabelings (its generated configuration, abridged to the
# labels it sets).
OPERATOR = [
    {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
    {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "service"},
    {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
    {"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
    {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "job"},
    {"target_label": "endpoint", "replacement": "metrics"},
]


def main():
    target = sys.argv[1]
    ds = next(d for d in load("daemonset.yaml") if d["kind"] == "DaemonSet")
    (svc,) = load("service.yaml")
    (sm,) = load("servicemonitor.yaml")
    (scrape,) = load("prometheus-scrape.yml")
    (ep,) = sm["spec"]["endpoints"]
    (plain,) = scrape["scrape_configs"]

    def static(node, pod):
        return [{"targets": [target], "labels": meta(node, pod, ds, svc)}]

    jobs = [
        {"job_name": "serviceMonitor/%s/%s/0" % (sm["metadata"]["namespace"], sm["metadata"]["name"]),
         "honor_labels": ep.get("honorLabels", False),
         "metrics_path": ep.get("path", "/metrics"),
         "static_configs": static("node-a", "waitwatch-aaaaa"),
         "relabel_configs": copy.deepcopy(OPERATOR) + snake(ep.get("relabelings", []))},
        {"job_name": plain["job_name"], "honor_labels": plain.get("honor_labels", False),
         "metrics_path": plain.get("metrics_path", "/metrics"),
         "static_configs": static("node-b", "waitwatch-bbbbb"),
         "relabel_configs": plain.get("relabel_configs", [])},
        {"job_name": "naive", "static_configs": static("node-c", "waitwatch-ccccc"),
         "relabel_configs": copy.deepcopy(OPERATOR)},
        {"job_name": "honor", "honor_labels": True,
         "static_configs": static("node-d", "waitwatch-ddddd"),
         "relabel_configs": copy.deepcopy(OPERATOR) + [
             {"target_label": "node", "replacement": "node-d"}]},
    ]
    conf = {"global": {"scrape_interval": "1s", "scrape_timeout": "1s",
                       "evaluation_interval": "1s"},
            "scrape_configs": jobs}
    yaml.safe_dump(conf, sys.stdout, sort_keys=False)


if __name__ == "__main__":
    main()
