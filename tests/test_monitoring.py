"""Monitoring as code: the Grafana dashboard, the Prometheus rules and their Kubernetes wiring.

The integration test runs the real Prometheus binary (Debian package ``prometheus``; `.ci/run`
installs it) against a real server: it must fail, not skip, in CI when Prometheus is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import grpc
import pytest
import yaml

from clients.client import QuoteClient
from conftest import HOST, TEXT, free_port, kustomize, scrape
from devtools import render_monitoring

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "deploy" / "prometheus" / "rules.yaml"
RULES_TEST = ROOT / "deploy" / "prometheus" / "rules_test.yaml"
DASHBOARD = ROOT / "deploy" / "grafana" / "quote-attribution.json"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is not installed: .ci/run installs the Debian package prometheus")
        pytest.skip(f"{name} is not installed (apt-get install prometheus)")
    return path


def _dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def _panels(board: dict) -> list[dict]:
    return [p for p in board["panels"] if p["type"] != "row"]


def _rules() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _concrete(expr: str) -> str:
    """A dashboard expression as Grafana sends it with every variable at "All"."""
    return (expr.replace("$namespace", ".*").replace("$pod", ".*")
            .replace("$__rate_interval", "30s"))


# --- files -----------------------------------------------------------------------------------

def test_generated_files_are_current():
    assert render_monitoring.main(["--check"]) == 0, "run quotes-dev render-monitoring"


def test_every_panel_has_a_title_description_unit_and_query():
    board = _dashboard()
    panels = _panels(board)
    assert len(panels) >= 15
    for panel in panels:
        assert panel["title"] and len(panel["description"]) > 40, panel["title"]
        assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]
        assert panel["targets"] and all(t["expr"] for t in panel["targets"]), panel["title"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert set(variables) == {"datasource", "namespace", "pod"}
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    rows = [p["title"] for p in board["panels"] if p["type"] == "row"]
    assert rows == ["Model and health", "Traffic", "Latency", "Throughput", "Saturation",
                    "Parsing"]


def test_dashboard_uses_only_metrics_the_server_exports(server):
    exported = set()
    for line in scrape(server).splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            exported.add(name)
            if kind == "histogram":
                exported |= {name + "_bucket", name + "_sum", name + "_count"}
            if kind == "counter":
                exported.add(name + "_total")
    recorded = {rule["record"] for rule in _rules() if "record" in rule}
    builtin = {"up"}
    functions = {"sum", "rate", "histogram_quantile", "count", "by", "le", "label_values", "max"}
    exprs = [t["expr"] for p in _panels(_dashboard()) for t in p["targets"]]
    exprs += [re.sub(r"^label_values\((.*), \w+\)$", r"\1", v["definition"])
              for v in _dashboard()["templating"]["list"] if "definition" in v]
    for expr in exprs + [rule["expr"] for rule in _rules()]:
        without_labels = re.sub(r"\{[^}]*\}", "", expr)
        without_labels = re.sub(r"\[[^\]]*\]", "", without_labels)
        without_labels = re.sub(r"by \([^)]*\)", "", without_labels)
        names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", without_labels))
        names -= functions | {"and", "or", "absent", "e"}
        unknown = {n for n in names if n not in exported | recorded | builtin}
        assert not unknown, f"{unknown} in {expr}"


def test_promtool_checks_the_rules():
    promtool = _tool("promtool")
    result = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_of_every_alert(tmp_path):
    promtool = _tool("promtool")
    # promtool compares annotations too; the unit tests are about when alerts fire, so they run
    # against a copy without annotations (their templates: check rules above, live test below).
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    shutil.copy(RULES_TEST, tmp_path / "rules_test.yaml")
    tested = set(re.findall(r"alertname: (\w+)", RULES_TEST.read_text(encoding="utf-8")))
    assert tested == {rule["alert"] for rule in _rules() if "alert" in rule}
    result = subprocess.run([promtool, "test", "rules", "rules_test.yaml"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --- Kubernetes wiring -----------------------------------------------------------------------



def test_base_renders_without_monitoring_objects():
    kinds = sorted(doc["kind"] for doc in kustomize("deploy"))
    assert kinds == ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "NetworkPolicy",
                     "PodDisruptionBudget", "Service", "Service"]


def test_monitoring_overlay_adds_operator_objects_and_dashboard():
    docs = kustomize("deploy/overlays/monitoring")
    by_kind: dict[str, list[dict]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    [rule] = by_kind["PrometheusRule"]
    assert rule["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]
    [monitor] = by_kind["ServiceMonitor"]
    [service] = [s for s in by_kind["Service"]
                 if monitor["spec"]["selector"]["matchLabels"].items()
                 <= s["metadata"]["labels"].items()]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert service["metadata"]["name"] == "quote-attribution"  # the job label the rules select
    assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]
    assert "metrics" in [p["name"] for p in service["spec"]["ports"]]
    [board] = [c for c in by_kind["ConfigMap"]
               if c["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
    assert json.loads(board["data"]["quote-attribution.json"]) == _dashboard()
    # The plain annotations stay for Prometheus setups without the operator.
    [deployment] = by_kind["Deployment"]
    annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
    assert annotations.get("prometheus.io/scrape") == "true"


# --- a real Prometheus scraping a real server ------------------------------------------------


def _api(port: int, path: str, **params: str) -> dict:
    url = f"http://{HOST}:{port}/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=10) as reply:
        body = json.loads(reply.read())
    assert body["status"] == "success", body
    return body["data"]


@pytest.fixture
def prometheus(make_server, tmp_path):
    binary = _tool("prometheus")
    srv = make_server()
    port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [{"job_name": "quote-attribution",
                            "static_configs": [{"targets": [f"{HOST}:{srv.metrics_port}"]}]}],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    process = subprocess.Popen(
        [binary, f"--config.file={tmp_path / 'prometheus.yml'}",
         f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address={HOST}:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/-/ready", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("prometheus did not start: " + process.stderr.read())
                time.sleep(0.2)
        yield srv, port
    finally:
        process.terminate()
        process.wait(30)


def _wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


def test_prometheus_evaluates_every_dashboard_and_rule_expression(prometheus):
    srv, port = prometheus
    target = f"{HOST}:{srv.metrics_port}"
    assert _wait_for(lambda: any(t["health"] == "up" for t in
                                 _api(port, "targets")["activeTargets"]))
    # A burst: good calls of every method, and bad ones (INVALID_ARGUMENT).
    with QuoteClient(f"{HOST}:{srv.port}", timeout=60) as client:
        for _ in range(3):
            client.extract(TEXT)
        client.extract_batch([TEXT, TEXT])
        list(client.stream([TEXT]))
        for _ in range(4):
            with pytest.raises(grpc.RpcError):
                client.extract("")
    # Rates need two scrapes after the burst, recording rules an evaluation after that.
    time.sleep(3)
    board_exprs = [(p["title"], _concrete(t["expr"])) for p in _panels(_dashboard())
                   for t in p["targets"]]
    rule_exprs = [(r.get("record") or r["alert"], r["expr"]) for r in _rules() if "record" in r]
    rule_exprs += [(r["record"], r["record"]) for r in _rules() if "record" in r]

    def empty() -> list[str]:
        missing = []
        for name, expr in board_exprs + rule_exprs:
            data = _api(port, "query", query=expr)
            assert data["resultType"] == "vector", (name, data)
            if not data["result"]:
                missing.append(f"{name}: {expr}")
        return missing

    still_empty = _wait_for(lambda: not empty(), timeout=60) or empty()
    assert still_empty is True, "no data for:\n" + "\n".join(still_empty)

    # Shapes: per-method series carry grpc_method; the model table names our model.
    by_method = _api(port, "query", query="quotes:grpc_server_handled:rate5m")["result"]
    assert {s["metric"]["grpc_method"] for s in by_method} >= {
        "ExtractQuotes", "BatchExtractQuotes", "StreamExtractQuotes"}
    assert {s["metric"]["grpc_code"] for s in by_method} >= {"OK", "INVALID_ARGUMENT"}
    [model] = _api(port, "query", query=_concrete(
        _panels(_dashboard())[0]["targets"][0]["expr"]))["result"]
    assert model["metric"]["name"] == "quotes-en-ewt-compact" and model["value"][1] == "1"
    words = float(_api(port, "query", query="quotes:words_processed:rate5m")["result"][0]["value"][1])
    assert words > 0

    # 4 of 9 ExtractQuotes calls failed: the error-ratio alert is pending (it fires after 5m),
    # with its annotations rendered; the others stay quiet.
    def alerts() -> dict[str, dict]:
        return {a["labels"]["alertname"]: a for a in _api(port, "alerts")["alerts"]}

    assert _wait_for(lambda: "QuotesErrorRatioHigh" in alerts(), timeout=30)
    alert = alerts()["QuotesErrorRatioHigh"]
    assert alert["state"] == "pending" and alert["labels"]["grpc_method"] == "ExtractQuotes"
    assert "ExtractQuotes" in alert["annotations"]["summary"] and alert["annotations"]["runbook"]
    assert set(alerts()) == {"QuotesErrorRatioHigh"}, alerts()
    assert target  # scraped the server we called


def test_dashboard_renders_to_png_from_prometheus(prometheus, tmp_path):
    from devtools import render_dashboard

    srv, port = prometheus
    assert _wait_for(lambda: any(t["health"] == "up" for t in
                                 _api(port, "targets")["activeTargets"]))
    with QuoteClient(f"{HOST}:{srv.port}", timeout=60) as client:
        for _ in range(3):
            client.extract(TEXT)
            time.sleep(1.5)
    assert _wait_for(lambda: _api(port, "query", query="quotes:words_processed:rate5m")["result"])
    time.sleep(2)
    out = tmp_path / "dashboard.png"
    drawn = render_dashboard.render(f"http://{HOST}:{port}", out, minutes=1, rate_interval="30s")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 50_000
    assert drawn >= len(_panels(_dashboard())) - 2
