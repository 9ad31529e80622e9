"""The Kubernetes manifests in deploy/ and the Dockerfile agree with each other and with the server.

Reads files only: no cluster, no Docker. (`kubectl kustomize deploy/` renders the same set.)
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path

import pytest
import yaml

from conftest import kustomize

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "base"
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")

# The defaults documented for the server (README / pyproject); used until service.settings exists.
DOCUMENTED_GRPC_PORT = 50051
DOCUMENTED_METRICS_PORT = 9464


def _load(name: str) -> list[dict]:
    with (DEPLOY / name).open(encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


@pytest.fixture(scope="module")
def kustomization() -> dict:
    (doc,) = _load("kustomization.yaml")
    return doc


@pytest.fixture(scope="module")
def objects(kustomization) -> dict[str, list[dict]]:
    by_kind: dict[str, list[dict]] = {}
    for name in kustomization["resources"]:
        for doc in _load(name):
            by_kind.setdefault(doc["kind"], []).append(doc)
    return by_kind


@pytest.fixture(scope="module")
def deployment(objects) -> dict:
    (deployment,) = objects["Deployment"]
    return deployment


@pytest.fixture(scope="module")
def config_env(kustomization) -> dict[str, str]:
    (generator,) = kustomization["configMapGenerator"]
    values: dict[str, str] = {}
    for name in generator["envs"]:
        for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def _server_defaults() -> dict[str, int]:
    """Default ports (and shutdown grace, if it is a setting) from service.settings when it exists."""
    defaults = {"grpc": DOCUMENTED_GRPC_PORT, "metrics": DOCUMENTED_METRICS_PORT}
    try:
        settings = importlib.import_module("service.settings")
    except ModuleNotFoundError as exc:
        if exc.name not in ("service.settings", "service"):
            raise
        return defaults
    classes = [obj for obj in vars(settings).values()
               if dataclasses.is_dataclass(obj) and isinstance(obj, type)
               and obj.__module__ == settings.__name__]
    fields = {f.name: f.default for cls in classes for f in dataclasses.fields(cls)
              if f.default is not dataclasses.MISSING}
    for key, names in {"grpc": ("port", "grpc_port"), "metrics": ("metrics_port",)}.items():
        found = [fields[n] for n in names if n in fields]
        assert found, f"service.settings has none of {names}: update this test's lookup"
        defaults[key] = int(found[0])
    grace = [v for n, v in fields.items() if "grace" in n and isinstance(v, (int, float))]
    if grace:
        defaults["grace"] = grace[0]
    return defaults


def _containers(pod_spec: dict) -> list[dict]:
    return pod_spec.get("initContainers", []) + pod_spec["containers"]


def _cpu(quantity) -> float:
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def _bytes(quantity) -> float:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "K": 1e3, "M": 1e6, "G": 1e9}
    match = re.fullmatch(r"([0-9.]+)([KMGT]i?)?", str(quantity))
    assert match, f"unreadable memory quantity {quantity!r}"
    return float(match[1]) * units.get(match[2] or "", 1)


def test_kustomization_lists_every_manifest(kustomization):
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in DEPLOY.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk
    for generator in kustomization["configMapGenerator"]:
        for name in generator["envs"]:
            assert (DEPLOY / name).is_file()


def test_objects_are_the_expected_set(objects):
    assert sorted(objects) == ["Deployment", "HorizontalPodAutoscaler", "NetworkPolicy",
                               "PodDisruptionBudget", "Service"]


def test_ports_agree_with_server_defaults(deployment, objects, config_env):
    defaults = _server_defaults()
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"grpc": defaults["grpc"], "metrics": defaults["metrics"]}
    assert int(config_env["QUOTES_PORT"]) == defaults["grpc"]
    assert int(config_env["QUOTES_METRICS_PORT"]) == defaults["metrics"]
    # Every variable the config sets is one the server reads.
    from service.settings import ENV_PREFIX, Settings
    known = {ENV_PREFIX + name.upper() for name in Settings.__dataclass_fields__}
    assert set(config_env) <= known

    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) == defaults["metrics"]

    for service in objects["Service"]:
        service_ports = {p["name"]: p for p in service["spec"]["ports"]}
        assert set(service_ports) <= {"grpc", "metrics"} and "grpc" in service_ports
        for name, port in service_ports.items():
            assert port["port"] == defaults[name]
            target = port.get("targetPort", port["port"])
            assert target in (name, ports[name])


def test_dockerfile_agrees_with_manifests():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    defaults = _server_defaults()
    exposed = {int(p) for line in re.findall(r"^EXPOSE\s+(.+)$", dockerfile, re.M)
               for p in line.split()}
    assert exposed == {defaults["grpc"], defaults["metrics"]}
    assert f"QUOTES_PORT={defaults['grpc']}" in dockerfile
    assert f"QUOTES_METRICS_PORT={defaults['metrics']}" in dockerfile
    assert re.search(r"^USER\s+(?!0\b|root\b)\S+", dockerfile, re.M), "image must not run as root"
    assert re.search(r"^HEALTHCHECK\b.*\n?.*quotes health", dockerfile, re.M)


def test_probes_use_native_grpc_on_the_grpc_port(deployment):
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    grpc_port = next(p["containerPort"] for p in container["ports"] if p["name"] == "grpc")
    for probe_name in PROBES:
        probe = container[probe_name]
        assert set(probe) & {"grpc", "httpGet", "tcpSocket", "exec"} == {"grpc"}, probe_name
        assert probe["grpc"]["port"] == grpc_port, probe_name


def test_every_container_has_requests_and_limits(objects):
    pod_specs = [d["spec"]["template"]["spec"] for d in objects["Deployment"]]
    for container in (c for spec in pod_specs for c in _containers(spec)):
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(kind, {})), (container["name"], kind)
        assert _cpu(resources["limits"]["cpu"]) >= _cpu(resources["requests"]["cpu"])
        assert _bytes(resources["limits"]["memory"]) >= _bytes(resources["requests"]["memory"])


def test_env_comes_from_the_generated_config_map(deployment, kustomization):
    (generator,) = kustomization["configMapGenerator"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    refs = [e["configMapRef"]["name"] for e in container.get("envFrom", []) if "configMapRef" in e]
    assert refs == [generator["name"]]


def test_threads_fit_the_cpu_request(deployment, config_env):
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    workers = int(config_env.get("QUOTES_WORKERS", "1"))
    assert workers * int(config_env["QUOTES_TORCH_THREADS"]) \
        * int(config_env.get("QUOTES_PARALLEL_BATCHES", "1")) \
        <= _cpu(container["resources"]["requests"]["cpu"])


def test_selectors_hpa_and_pdb_point_at_the_deployment(deployment, objects):
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    plain, headless = sorted(objects["Service"], key=lambda s: s["metadata"]["name"])
    for service in (plain, headless):
        assert service["spec"]["selector"].items() <= pod_labels.items()
    assert headless["spec"]["clusterIP"] == "None", "clients balance over pods through DNS"
    assert "clusterIP" not in plain["spec"] or plain["spec"]["clusterIP"] != "None"
    # the ServiceMonitor selects the plain Service only (no double scrape)
    assert plain["metadata"]["labels"] != headless["metadata"]["labels"]
    (policy,) = objects["NetworkPolicy"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert [p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]] == [
        "grpc", "metrics"]
    (pdb,) = objects["PodDisruptionBudget"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    (hpa,) = objects["HorizontalPodAutoscaler"]
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert hpa["spec"]["minReplicas"] >= 2, "one replica leaves the PDB nothing to protect"
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]


def test_termination_grace_covers_prestop_and_server_grace(deployment):
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    pre_stop = float(command[1])
    server_grace = _server_defaults().get("grace", 0)
    assert pod["terminationGracePeriodSeconds"] >= pre_stop + server_grace + 1


# --- the backfill: deploy/batch (KubeRay RayJob) and the Dockerfile's batch target ------------

def test_batch_rayjob_runs_quotes_batch_on_ray_with_the_batch_image(deployment):
    import shlex

    from clients.cli import build_parser

    docs = {doc["kind"]: doc for doc in kustomize("deploy/batch")}
    assert sorted(docs) == ["PersistentVolumeClaim", "RayJob"]
    rayjob = docs["RayJob"]
    assert rayjob["apiVersion"] == "ray.io/v1"
    args = build_parser().parse_args(shlex.split(rayjob["spec"]["entrypoint"])[1:])
    assert (args.command, args.engine, args.address, args.resume) == ("batch", "ray", "auto", True)
    cluster = rayjob["spec"]["rayClusterSpec"]
    pins = re.findall(r'"ray\[[a-z,]+\]==([0-9.]+)"', (ROOT / "pyproject.toml").read_text())
    assert pins and set(pins) == {cluster["rayVersion"]}
    pods = [cluster["headGroupSpec"]["template"]["spec"]] + [
        group["template"]["spec"] for group in cluster["workerGroupSpecs"]]
    server_image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    claim = docs["PersistentVolumeClaim"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]  # head and workers share it
    for pod in pods:
        (container,) = pod["containers"]
        repository, _, tag = container["image"].partition(":")
        assert repository == server_image.partition(":")[0] and tag.endswith("-batch")
        assert [v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]] == [
            claim["metadata"]["name"]]
        assert pod["securityContext"]["runAsNonRoot"]
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"]


def test_dockerfile_keeps_ray_out_of_the_server_image():
    stages = re.split(r"^FROM\s+", (ROOT / "Dockerfile").read_text(encoding="utf-8"), flags=re.M)
    by_name = {stage.split()[2] if " AS " in stage.splitlines()[0] else "": stage
               for stage in stages[1:]}
    server = stages[-1]  # the default target
    assert 'CMD ["quotes-server"]' in server and "COPY --from=build /opt/venv" in server
    assert "batch" not in server.split("\n", 1)[0]
    assert '"/src[batch-cluster]"' in by_name["build-batch"]
    assert "COPY --from=build-batch /opt/venv" in by_name["batch"]
    assert "[batch" not in by_name[""] + stages[1]  # neither the server nor its build stage
