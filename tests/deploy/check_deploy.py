#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Check docs/deploy/ against the program it deploys (make deploy-check).

The Kubernetes manifests, the scrape configuration, the image's test and the
systemd unit must agree with what the program and its documents say:
- capabilities: exactly those docs/security.md names for the phases
  (CAP_NET_BIND_SERVICE only for a port below 1024), none of those it says
  are not needed; the same in tests/e2e/t_image.sh and docs/waitwatch.service;
- the port: serve's default (waitwatch serve --help) in --listen, the
  container port, the Service, the probes and both scrape configurations;
- every option in the DaemonSet's args exists in serve --help;
- the probes: /healthz for liveness, /metrics for readiness, on that port;
- the image tag: the Makefile's VERSION; the version labels the same;
- the memory limit: at least the documented bound for --max-sockets;
- the labels: the exporter pod's own labels never reach the series
  (docs/deploy/servicemonitor.yaml explains why), node does, and the job is
  the one docs/alerts.yml watches.
Prints one PASS or FAIL line per check and "N passed, N failed"; exits 1 on
any failure.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(ROOT, "docs", "deploy")
WW = os.environ.get("WW", os.path.join(ROOT, "waitwatch"))

# docs/counting.md: 64 bytes per socket in the collector, 128 in the id table
BYTES_PER_SOCKET = 64 + 128
MIB = 1 << 20

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("PASS: deploy: " + name)
    else:
        failed += 1
        print("FAIL: deploy: %s: %s" % (name, detail))


def read(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return f.read()


def load_all(name):
    with open(os.path.join(DEPLOY, name), encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def size(q):
    """A Kubernetes quantity (64Mi, 1G, 300M) in bytes."""
    m = re.fullmatch(r"([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T)?", str(q))
    if not m:
        raise ValueError("quantity %r" % q)
    mult = {None: 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40,
            "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}[m.group(2)]
    return int(float(m.group(1)) * mult)


def suffixed(s):
    """A size as waitwatch writes it in --help (8M, 4K, 1G) in bytes."""
    m = re.fullmatch(r"([0-9]+)([KMG]?)", s)
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


# ---- what the program and its documents say ---------------------------------

def serve_help():
    out = subprocess.run([WW, "serve", "--help"], capture_output=True, text=True,
                         timeout=10)
    if out.returncode != 0:
        sys.exit("FAIL: deploy: %s serve --help exited %d: %s"
                 % (WW, out.returncode, out.stderr.strip()))
    return out.stdout


def security_caps():
    """(needed, port_caps, not_needed) from docs/security.md's phases."""
    text = read("docs", "security.md")
    sec = text.split("## Privileges, phase by phase", 1)[1].split("### ", 1)[0]
    needed, port_caps, not_needed = set(), set(), set()
    for line in sec.splitlines():
        caps = set(re.findall(r"CAP_[A-Z_]+", line))
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            caps = set(re.findall(r"CAP_[A-Z_]+", cells[-1]))
            # the listening socket: only a port below 1024 needs its cap
            if "below 1024" in line:
                port_caps |= caps
            else:
                needed |= caps
        elif line.startswith("- Nothing else"):
            not_needed |= caps
        elif re.match(r"- \*\*CAP_BPF\*\* only where", line):
            continue  # kept, not asked for: a kernel before 5.19 only
        elif line.startswith("- **CAP_"):
            needed |= set(re.findall(r"^- \*\*(CAP_[A-Z_]+)\*\*", line))
    return needed, port_caps, not_needed


help_text = serve_help()
m = re.search(r"default ([0-9.]+):([0-9]+)", help_text)
DEFAULT_PORT = int(m.group(2))
serve_opts = set(re.findall(r"(--[a-z][a-z0-9.-]*)", help_text))
m = re.search(r"--max-sockets N .*?\(default ([0-9]+)\)", help_text, re.S)
DEFAULT_MAX_SOCKETS = int(m.group(1))
m = re.search(r"--ringbuf-size SIZE .*?\(default ([0-9]+[KMG]?)", help_text, re.S)
RINGBUF = suffixed(m.group(1))
VERSION = re.search(r"^VERSION := (\S+)$", read("Makefile"), re.M).group(1)
m = re.search(r"peak RSS of at most ([0-9]+) MiB", read("docs", "performance.md"))
BASE_MIB = int(m.group(1))
NEEDED, PORT_CAPS, NOT_NEEDED = security_caps()
check("docs/security.md names the capabilities of each phase (%s)"
      % " ".join(sorted(NEEDED)),
      {"CAP_BPF", "CAP_SYS_ADMIN", "CAP_SETUID"} <= NEEDED and NOT_NEEDED,
      "found %s, not needed %s" % (sorted(NEEDED), sorted(NOT_NEEDED)))

# ---- the DaemonSet ----------------------------------------------------------

docs = load_all("daemonset.yaml")
kinds = {d["kind"]: d for d in docs}
ds = kinds.get("DaemonSet")
check("daemonset.yaml holds a DaemonSet", ds is not None, "kinds %s" % sorted(kinds))
pod = ds["spec"]["template"]["spec"]
check("the pod selector matches the pod's labels",
      ds["spec"]["selector"]["matchLabels"].items()
      <= ds["spec"]["template"]["metadata"]["labels"].items(), "selector vs labels")
check("hostPID and hostNetwork", pod.get("hostPID") is True and pod.get("hostNetwork") is True,
      "hostPID %r hostNetwork %r" % (pod.get("hostPID"), pod.get("hostNetwork")))
(c,) = pod["containers"]
sc = c["securityContext"]

image, _, tag = c["image"].rpartition(":")
check("image tag is the Makefile's VERSION %s" % VERSION, tag == VERSION, c["image"])
check("image is a waitwatch image", image.endswith("/waitwatch"), c["image"])
labels = ds["spec"]["template"]["metadata"]["labels"]
check("app.kubernetes.io/version is VERSION",
      labels.get("app.kubernetes.io/version") == VERSION == ds["metadata"]["labels"].get(
          "app.kubernetes.io/version"), "%r" % labels.get("app.kubernetes.io/version"))

args = [str(a) for a in c.get("args", [])]
unknown = [a.split("=")[0] for a in args if a.startswith("--") and a.split("=")[0] not in serve_opts]
check("every option of args is one of serve --help's", not unknown, "unknown %s" % unknown)
check("no command: the image's ENTRYPOINT /waitwatch serve runs", "command" not in c,
      "command %r" % c.get("command"))


def arg(name):
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


listen = arg("--listen")
check("--listen is given (the image's default is loopback only)", listen is not None, args)
lport = int(listen.rsplit(":", 1)[1]) if listen else None
env = {e["name"]: e for e in c.get("env", [])}
for var in re.findall(r"\$\(([A-Z_]+)\)", listen or ""):
    check("--listen's $(%s) comes from the pod's status.hostIP" % var,
          env.get(var, {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
          == "status.hostIP", "env %r" % env.get(var))
check("--listen's port is serve's default %d" % DEFAULT_PORT, lport == DEFAULT_PORT, listen)
ports = {p["name"]: p for p in c["ports"]}
check("container port 'metrics' is --listen's port",
      "metrics" in ports and ports["metrics"]["containerPort"] == lport
      and ports["metrics"].get("hostPort", lport) == lport, "ports %r" % c["ports"])

for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/metrics")):
    g = c.get(probe, {}).get("httpGet", {})
    check("%s: GET %s on the metrics port" % (probe, path),
          g.get("path") == path and g.get("port") in ("metrics", lport)
          and g.get("scheme", "HTTP") == "HTTP", "%r" % c.get(probe))

added = {"CAP_" + a for a in sc["capabilities"]["add"]}
want = set(NEEDED) | (PORT_CAPS if lport < 1024 else set())
check("capabilities: drop ALL", sc["capabilities"].get("drop") == ["ALL"],
      "%r" % sc["capabilities"].get("drop"))
check("capabilities: add exactly docs/security.md's", added == want,
      "extra %s, missing %s" % (sorted(added - want), sorted(want - added)))
check("capabilities: none of those docs/security.md says are not needed",
      not (added & NOT_NEEDED), sorted(added & NOT_NEEDED))
check("not privileged", sc.get("privileged") in (None, False), sc.get("privileged"))
check("readOnlyRootFilesystem", sc.get("readOnlyRootFilesystem") is True, sc)
check("runs as root (uid 0), which serve leaves for --user",
      sc.get("runAsUser") == 0 and sc.get("runAsNonRoot") in (None, False)
      and arg("--user") in (None, "nobody"), sc)
check("allowPrivilegeEscalation not false with CAP_SYS_ADMIN (the API refuses it)",
      not ("CAP_SYS_ADMIN" in added and sc.get("allowPrivilegeEscalation") is False), sc)
check("seccomp: the runtime's default profile, not Unconfined",
      sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", sc.get("seccompProfile"))

mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
vols = {v["name"]: v for v in pod.get("volumes", [])}
btf = mounts.get("/sys/kernel/btf")
check("/sys/kernel/btf from the node, read-only",
      btf is not None and btf.get("readOnly") is True
      and vols[btf["name"]].get("hostPath", {}).get("path") == "/sys/kernel/btf", mounts)
check("every host mount is read-only", all(m.get("readOnly") for m in mounts.values()),
      [p for p, m in mounts.items() if not m.get("readOnly")])

res = c["resources"]
max_sockets = int(arg("--max-sockets") or DEFAULT_MAX_SOCKETS)
ringbuf = suffixed(arg("--ringbuf-size")) if arg("--ringbuf-size") else RINGBUF
bound = max_sockets * BYTES_PER_SOCKET + ringbuf + BASE_MIB * MIB
limit = size(res["limits"]["memory"])
check("memory limit %s >= the bound for %d sockets (%d MiB)"
      % (res["limits"]["memory"], max_sockets, bound // MIB), limit >= bound,
      "limit %d MiB" % (limit // MIB))
check("memory request %s >= the measured bound with 100,000 sockets (%d MiB)"
      % (res["requests"]["memory"], BASE_MIB),
      BASE_MIB * MIB <= size(res["requests"]["memory"]) <= limit, res)
check("cpu request and limit", "cpu" in res["requests"] and "cpu" in res["limits"], res)

# ---- the Service, the ServiceMonitor ----------------------------------------

ALERT_JOBS = set(re.findall(r'job="([^"]+)"', read("docs", "alerts.yml")))
check("docs/alerts.yml watches one job", len(ALERT_JOBS) == 1, ALERT_JOBS)
(job,) = ALERT_JOBS or {None}

(svc,) = load_all("service.yaml")
sp = {p["name"]: p for p in svc["spec"]["ports"]}
check("the Service selects the DaemonSet's pods",
      svc["spec"]["selector"].items() <= labels.items(), svc["spec"]["selector"])
check("the Service's port 'metrics' goes to the container's",
      "metrics" in sp and sp["metrics"]["port"] == lport
      and sp["metrics"].get("targetPort") in ("metrics", lport), svc["spec"]["ports"])
check("the Service is named after the job docs/alerts.yml watches (the Operator's job label)",
      svc["metadata"]["name"] == job, "%s vs %s" % (svc["metadata"]["name"], job))

(sm,) = load_all("servicemonitor.yaml")
check("the ServiceMonitor selects the Service",
      sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()
      and svc["metadata"]["namespace"] in sm["spec"]["namespaceSelector"]["matchNames"],
      sm["spec"]["selector"])
(ep,) = sm["spec"]["endpoints"]
check("the ServiceMonitor scrapes port 'metrics' at /metrics",
      ep["port"] == "metrics" and ep.get("path", "/metrics") == "/metrics", ep)
check("the ServiceMonitor does not honor labels", not ep.get("honorLabels", False), ep)

# The labels of the socket's owner and peer (waitwatch's series) that a
# target label of the same name would rename exported_*.
SERIES_LABELS = {"endpoint", "pod", "container", "pod_namespace", "unit"}
# What the Prometheus Operator puts on a ServiceMonitor's targets.
OPERATOR_LABELS = {"namespace", "service", "pod", "container", "endpoint"}


def dropped(relabelings, key_regex, key_action):
    out = set()
    for r in relabelings:
        if r.get(key_action) == "labeldrop":
            rx = re.compile(r[key_regex])
            out |= {lab for lab in OPERATOR_LABELS | SERIES_LABELS if rx.fullmatch(lab)}
    return out


def targets(relabelings, key_src, key_target):
    return {r.get(key_target): r.get(key_src) for r in relabelings
            if r.get("action", "replace") == "replace"}


rl = ep.get("relabelings", [])
gone = dropped(rl, "regex", "action")
check("the ServiceMonitor drops the exporter pod's labels (%s)" % " ".join(sorted(OPERATOR_LABELS)),
      OPERATOR_LABELS <= gone, "drops %s" % sorted(gone))
check("the ServiceMonitor keeps node", targets(rl, "sourceLabels", "targetLabel").get("node")
      == ["__meta_kubernetes_pod_node_name"], rl)
check("the ServiceMonitor's own labels leave the series' labels alone",
      not (set(targets(rl, "sourceLabels", "targetLabel")) & SERIES_LABELS), rl)

# ---- the plain Prometheus scrape configuration ------------------------------

(scrape,) = load_all("prometheus-scrape.yml")
(sj,) = scrape["scrape_configs"]
check("scrape config: job %s, the one docs/alerts.yml watches" % job, sj["job_name"] == job,
      sj["job_name"])
check("scrape config: kubernetes_sd pods of the DaemonSet's namespace",
      any(k.get("role") == "pod" and ds["metadata"]["namespace"] in
          k.get("namespaces", {}).get("names", []) for k in sj["kubernetes_sd_configs"]),
      sj["kubernetes_sd_configs"])
rc = sj.get("relabel_configs", [])
keeps = {tuple(r["source_labels"]): r["regex"] for r in rc if r.get("action") == "keep"}
check("scrape config: keeps the pods labelled as the DaemonSet's",
      keeps.get(("__meta_kubernetes_pod_label_app_kubernetes_io_name",))
      == labels["app.kubernetes.io/name"], keeps)
check("scrape config: keeps the port named metrics",
      keeps.get(("__meta_kubernetes_pod_container_port_name",)) == "metrics", keeps)
check("scrape config: no labelmap (the pod's labels would collide)",
      not any(r.get("action") == "labelmap" for r in rc), rc)
check("scrape config: honor_labels false", sj.get("honor_labels", False) is False, sj)
tl = targets(rc, "source_labels", "target_label")
check("scrape config: node from the pod's node, no label of the series'",
      tl.get("node") == ["__meta_kubernetes_pod_node_name"]
      and not (set(tl) & (SERIES_LABELS | OPERATOR_LABELS)), tl)
check("scrape config: metrics_path /metrics", sj.get("metrics_path", "/metrics") == "/metrics", sj)

# ---- the image's test and the systemd unit ----------------------------------

m = re.search(r"^CAPS=(\S+)$", read("tests", "e2e", "t_image.sh"), re.M)
img_caps = set(m.group(1).split(",")) if m else set()
check("t_image.sh runs the image with docs/security.md's capabilities",
      img_caps == set(NEEDED), "extra %s, missing %s"
      % (sorted(img_caps - NEEDED), sorted(NEEDED - img_caps)))
unit = read("docs", "waitwatch.service").replace("\\\n", " ")
m = re.search(r"^CapabilityBoundingSet=(.*)$", unit, re.M)
unit_caps = set(m.group(1).split()) if m else set()
check("docs/waitwatch.service bounds it to docs/security.md's capabilities",
      unit_caps == set(NEEDED), "extra %s, missing %s"
      % (sorted(unit_caps - NEEDED), sorted(NEEDED - unit_caps)))
cf = read("docs", "deploy", "Containerfile")
check("the Containerfile: FROM scratch, ENTRYPOINT /waitwatch serve, default port",
      re.search(r"^FROM scratch$", cf, re.M) is not None
      and '["/waitwatch", "serve"]' in cf and '"127.0.0.1:%d"' % DEFAULT_PORT in cf, "")

# ---- the dashboard and the rules: metric names, PromQL ------------------------

with open(os.path.join(ROOT, "docs", "grafana-dashboard.json"), encoding="utf-8") as f:
    dash = json.load(f)
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
rules = [r for name in ("rules.yml", "alerts.yml")
         for g in yaml.safe_load(read("docs", name))["groups"] for r in g["rules"]]
documented = set(re.findall(r"`(waitwatch_[a-z_]+)`", read("docs", "prometheus.md")))
recorded = {r["record"] for r in rules if "record" in r}
used = set()
for e in exprs + [r["expr"] for r in rules]:
    used |= {n for n in re.findall(r"\b(waitwatch_[a-z_]+)", e)
             if not re.search(r"[a-z]+:" + n, e)}
# a histogram's series, a counter's name without _total in docs
undocumented = {n for n in used if n not in documented
                and re.sub(r"_(bucket|sum|count)$", "", n) not in documented}
check("the dashboard and the rules use only metrics docs/prometheus.md names",
      not undocumented, sorted(undocumented))
missing = {n for e in exprs + [r["expr"] for r in rules]
           for n in re.findall(r"\b([a-z]+:waitwatch_[a-z_:0-9]+)", e)} - recorded
check("the alerts and the dashboard use only docs/rules.yml's recorded series",
      not missing, sorted(missing))
by = " ".join(exprs)
check("the dashboard has panels by pod and by container",
      "by (pod_namespace, pod)" in by and "by (pod_namespace, pod, container)" in by, "")
# every panel's query, its variables replaced, through promtool as a rule
subst = [{"record": "dashboard:panel_%d" % i,
          "expr": re.sub(r"\$\{?[a-z_]+\}?", ".+", e)} for i, e in enumerate(exprs)]
with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as tmp:
    yaml.safe_dump({"groups": [{"name": "dashboard", "rules": subst}]}, tmp)
out = subprocess.run(["promtool", "check", "rules", tmp.name], capture_output=True, text=True)
os.unlink(tmp.name)
check("promtool parses the %d queries of the dashboard" % len(exprs), out.returncode == 0,
      (out.stdout + out.stderr).strip()[-600:])

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
