"""Write the monitoring files that are derived from code or from deploy/prometheus/rules.yaml.

- deploy/grafana/quote-attribution.json: the Grafana dashboard, built from ``PANELS`` below;
- deploy/components/grafana-dashboard/quote-attribution.json: the same file, where the kustomize
  component's ConfigMap generator can read it (kustomize reads no files above a kustomization);
- deploy/components/prometheus-operator/prometheusrule.yaml: rules.yaml as a PrometheusRule.

    quotes-dev render-monitoring           # write them
    quotes-dev render-monitoring --check   # exit 1 if any is stale (tests run this)

The dashboard is data: one ``Panel`` per graph, each with its PromQL, unit and a description that
says what it shows and what a bad value means. Per-method rates and quantiles come from the
recording rules; per-pod figures read the raw series.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "deploy" / "grafana" / "quote-attribution.json"
DASHBOARD_COPY = ROOT / "deploy" / "components" / "grafana-dashboard" / "quote-attribution.json"
RULES = ROOT / "deploy" / "prometheus" / "rules.yaml"
PROMETHEUS_RULE = ROOT / "deploy" / "components" / "prometheus-operator" / "prometheusrule.yaml"

JOB = 'job="quote-attribution"'
NS = 'namespace=~"$namespace"'
POD = f'{JOB}, {NS}, pod=~"$pod"'
RULE_NS = f'{{{NS}}}'
RATE = "$__rate_interval"


@dataclass(frozen=True)
class Panel:
    title: str
    description: str
    unit: str
    targets: tuple[tuple[str, str], ...]  # (PromQL, legend)
    kind: str = "timeseries"
    width: int = 8


def _quantiles(metric: str, by: str = "") -> tuple[tuple[str, str], ...]:
    group = f"{by}, le" if by else "le"
    prefix = f"{{{{{by}}}}} " if by else ""
    return tuple(
        (f"histogram_quantile({q}, sum by ({group}) (rate({metric}_bucket{{{POD}}}[{RATE}])))",
         f"{prefix}p{int(q * 100)}")
        for q in (0.5, 0.95, 0.99))


ROWS: tuple[tuple[str, tuple[Panel, ...]], ...] = (
    ("Model and health", (
        Panel("Models in use",
              "Pods per loaded model (name, version, source). More than one row means pods "
              "answer with different models: a stuck rollout (alert QuotesModelVersionMismatch).",
              "none", ((f"count by (name, version, source) (quotes_model_info{{{POD}}})", ""),),
              kind="table", width=12),
        Panel("Pods SERVING",
              "Pods whose health check answers SERVING. 0 means every call fails "
              "(alert QuotesNoPodServing); fewer than the replica count means pods are loading "
              "models, shutting down or failing.",
              "none", ((f"sum(quotes_serving{{{POD}}})", "serving"),
                       (f"count(up{{{JOB}, {NS}}} == 1)", "scraped")), kind="stat", width=12),
    )),
    ("Traffic", (
        Panel("Calls/s by method and code",
              "Finished calls per second by method and gRPC status code. A rise in anything but "
              "OK is worth a look; RESOURCE_EXHAUSTED means full queues, INVALID_ARGUMENT a "
              "caller sending bad documents.",
              "reqps", ((f"sum by (grpc_method, grpc_code) (quotes:grpc_server_handled:rate5m{RULE_NS}) > 0",
                         "{{grpc_method}} {{grpc_code}}"),), width=12),
        Panel("Error ratio by method",
              "Share of calls ending in an error (any status but OK and CANCELLED). Above 5% "
              "for 5 minutes fires QuotesErrorRatioHigh.",
              "percentunit", ((f"quotes:grpc_server_errors:ratio_rate5m{RULE_NS}",
                               "{{grpc_method}}"),), width=12),
    )),
    ("Latency", (
        Panel("Call latency by method (p50, p95, p99)",
              "Time from a call's start to its status, from the recording rules. ExtractQuotes "
              "p99 above 5 s eats the latency SLO; batch and stream calls take longer by nature.",
              "s", (
                  (f"quotes:grpc_server_handling_seconds:p50_rate5m{RULE_NS}", "{{grpc_method}} p50"),
                  (f"quotes:grpc_server_handling_seconds:p95_rate5m{RULE_NS}", "{{grpc_method}} p95"),
                  (f"quotes:grpc_server_handling_seconds:p99_rate5m{RULE_NS}", "{{grpc_method}} p99"),
              ), width=12),
        Panel("ExtractQuotes calls slower than 5 s",
              "Share of ExtractQuotes calls over the SLO threshold (5 s), over 5 minutes and 1 "
              "hour. The SLO allows 1%; 14.4% over both windows pages (QuotesLatencySLOBurnFast).",
              "percentunit", (
                  (f"quotes:extract_slow_calls:ratio_rate5m{RULE_NS}", "5m"),
                  (f"quotes:extract_slow_calls:ratio_rate1h{RULE_NS}", "1h"),
              ), width=12),
    )),
    ("Throughput", (
        Panel("Words/s",
              "Words (parser tokens) analysed per second, all pods together. Dropping to zero "
              "while calls arrive fires QuotesThroughputStalled; a 2-CPU pod does about 3,400 "
              "words/s under load (bench/README.md).",
              "suffix: words/s", ((f"sum(quotes:words_processed:rate5m{RULE_NS})", "words/s"),),
              width=6),
        Panel("Documents/s",
              "Documents analysed per second, all pods together.",
              "suffix: docs/s", ((f"sum(quotes:documents_processed:rate5m{RULE_NS})", "docs/s"),),
              width=6),
        Panel("Characters/s",
              "Characters (code points) analysed per second. Against documents/s it shows "
              "whether documents got longer, which slows every call.",
              "suffix: chars/s", ((f"sum(quotes:characters_processed:rate5m{RULE_NS})",
                                   "chars/s"),), width=6),
        Panel("Quotes/s by type",
              "Quotes found per second by type (direct, indirect, mixed). A sudden change in the "
              "mix with steady traffic points at a model or input change.",
              "suffix: quotes/s", ((f"sum by (type) (quotes:quotes_found:rate5m{RULE_NS})",
                                    "{{type}}"),), width=6),
        Panel("Words/s per pod",
              "Words analysed per second by each pod. Uneven bars mean clients stick to some pods "
              "(one HTTP/2 connection each): use dns:/// with round_robin.",
              "suffix: words/s", ((f"sum by (pod) (rate(quotes_words_processed_total{{{POD}}}[{RATE}]))",
                                   "{{pod}}"),), width=24),
    )),
    ("Saturation", (
        Panel("Work in flight per pod",
              "Calls (or stream messages) being processed by each pod. Persistently high means "
              "calls wait in the queue.",
              "none", ((f"sum by (pod) (quotes_in_flight_work{{{POD}}})", "{{pod}}"),)),
        Panel("Queue depth per pod",
              "Documents admitted and not yet parsed. Near QUOTES_MAX_QUEUED_DOCUMENTS (256) "
              "the pod starts refusing calls.",
              "none", ((f"sum by (pod) (quotes_queue_documents{{{POD}}})", "{{pod}}"),)),
        Panel("Queue wait (p50, p95, p99)",
              "Time a document waits before its first parse. Seconds of wait mean the pods are "
              "saturated: add pods.",
              "s", _quantiles("quotes_queue_wait_seconds")),
        Panel("Refused and dropped documents/s",
              "Calls refused with RESOURCE_EXHAUSTED (queue full; alert QuotesRefusingWork) and "
              "documents dropped unparsed because their caller cancelled, timed out or the pod "
              "shut down. Timeouts here mean callers give up before the queue reaches them.",
              "reqps", ((f"sum by (reason) (rate(quotes_refused_total{{{POD}}}[{RATE}]))",
                         "refused: {{reason}}"),
                        (f"sum by (reason) (rate(quotes_work_dropped_total{{{POD}}}[{RATE}]))",
                         "dropped: {{reason}}"))),
        Panel("CPU per pod",
              "CPU cores used by each pod's processes. Close to the pod's CPU limit means the "
              "pod is saturated (or throttled, if latency rises with it).",
              "short", ((f"sum by (pod) (rate(process_cpu_seconds_total{{{POD}}}[{RATE}]))",
                         "{{pod}}"),)),
        Panel("Resident memory per pod",
              "RSS of each pod's processes. About 0.7 GiB per worker under load; a steady climb "
              "over hours is a leak, and near the memory limit the pod is OOM-killed.",
              "bytes", ((f"sum by (pod) (process_resident_memory_bytes{{{POD}}})", "{{pod}}"),)),
    )),
    ("Parsing", (
        Panel("Parse time per batch (p50, p95, p99)",
              "Time to parse one batch of documents. Grows with batch words; a jump at the same "
              "batch size means slower CPUs, throttling or another model.",
              "s", _quantiles("quotes_parse_seconds"), width=8),
        Panel("Documents per batch",
              "Average documents (or pieces of long documents) parsed together. Batches of one "
              "document under load mean calls are not arriving together (or come one at a time "
              "from one client).",
              "none", ((f"sum(rate(quotes_batch_size_sum{{{POD}}}[{RATE}])) / sum(rate(quotes_batch_size_count{{{POD}}}[{RATE}]))",
                        "documents"),), width=6),
        Panel("Words per batch",
              "Average words parsed together; at most QUOTES_MAX_BATCH_WORDS (6,000). Near the "
              "bound under load: the batcher is busy all the time.",
              "none", ((f"sum(rate(quotes_batch_words_sum{{{POD}}}[{RATE}])) / sum(rate(quotes_batch_words_count{{{POD}}}[{RATE}]))",
                        "words"),), width=6),
        Panel("Extraction time per document (p50, p95, p99)",
              "Time to find the quotes of one parsed document (rules, no model). Normally a few "
              "milliseconds; growth means unusually long or quote-dense documents.",
              "s", _quantiles("quotes_extraction_seconds"), width=4),
    )),
)


def _target(expr: str, legend: str, ref: str) -> dict:
    return {"datasource": {"type": "prometheus", "uid": "${datasource}"}, "expr": expr,
            "legendFormat": legend, "refId": ref, "range": True}


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> dict:
    out = {
        "id": panel_id, "type": panel.kind, "title": panel.title,
        "description": panel.description,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "targets": [_target(expr, legend, chr(ord("A") + i))
                    for i, (expr, legend) in enumerate(panel.targets)],
        "options": {},
    }
    if panel.kind == "table":
        for target in out["targets"]:
            target.update(format="table", instant=True, range=False)
    return out


def _variable(name: str, label: str, query: str) -> dict:
    return {"name": name, "label": label, "type": "query",
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "query": {"query": query, "refId": name}, "definition": query,
            "includeAll": True, "multi": True, "allValue": ".*",
            "current": {"text": "All", "value": "$__all"}, "refresh": 2, "sort": 1}


def dashboard() -> dict:
    panels: list[dict] = []
    y = 0
    panel_id = 1
    for row_title, row_panels in ROWS:
        panels.append({"id": panel_id, "type": "row", "title": row_title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        panel_id += 1
        y += 1
        x = 0
        for panel in row_panels:
            if x + panel.width > 24:
                x, y = 0, y + 8
            panels.append(_panel(panel, panel_id, x, y))
            panel_id += 1
            x += panel.width
        y += 8
    return {
        "uid": "quote-attribution",
        "title": "Quote attribution service",
        "description": "Traffic, latency, throughput and saturation of quote-attribution-service "
                       "(generated by devtools/render_monitoring.py; rules in "
                       "deploy/prometheus/rules.yaml).",
        "tags": ["quote-attribution", "grpc"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-3h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource",
             "query": "prometheus", "current": {}, "hide": 0},
            _variable("namespace", "Namespace", f"label_values(quotes_model_info{{{JOB}}}, namespace)"),
            _variable("pod", "Pod", f"label_values(quotes_model_info{{{JOB}, {NS}}}, pod)"),
        ]},
        "panels": panels,
    }


def dashboard_json() -> str:
    return json.dumps(dashboard(), indent=2) + "\n"


def prometheus_rule() -> str:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    resource = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "quote-attribution",
                     "labels": {"app.kubernetes.io/name": "quote-attribution"}},
        "spec": {"groups": rules["groups"]},
    }
    header = ("# Generated from deploy/prometheus/rules.yaml by devtools/render_monitoring.py; "
              "edit that file, then rerun.\n")
    return header + yaml.safe_dump(resource, sort_keys=False, width=100)


def outputs() -> dict[Path, str]:
    board = dashboard_json()
    return {DASHBOARD: board, DASHBOARD_COPY: board, PROMETHEUS_RULE: prometheus_rule()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file differs from what would be written")
    args = parser.parse_args(argv)
    stale = []
    for path, content in outputs().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == content:
            continue
        if args.check:
            stale.append(path.relative_to(ROOT))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("stale (run quotes-dev render-monitoring): "
              + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
