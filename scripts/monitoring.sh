#!/usr/bin/env bash
# A local monitoring stack in one command: quotes-server plus a real Prometheus that scrapes it
# every 5 s with deploy/prometheus/rules.yaml loaded. Runs until Ctrl-C, then stops both.
#
#   scripts/monitoring.sh                  # then, in another terminal, put load on it:
#   quotes-dev load --target 127.0.0.1:50051 --clients 8 --duration 300
#   quotes-dev render-dashboard --prometheus http://127.0.0.1:9090 --out dashboard.png
#
# Knobs (environment): QUOTES_PORT (50051), QUOTES_METRICS_PORT (9464), PROMETHEUS_PORT (9090),
# VENV (.venv). Installs the Debian package prometheus when it is missing (needs root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=${VENV:-.venv}
GRPC_PORT=${QUOTES_PORT:-50051}
METRICS_PORT=${QUOTES_METRICS_PORT:-9464}
PROM_PORT=${PROMETHEUS_PORT:-9090}

if ! command -v prometheus >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "prometheus is not installed; as root: apt-get update && apt-get install -y prometheus" >&2
    exit 1
  fi
  echo "--- installing prometheus (Debian package)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
fi

work=$(mktemp -d -t quotes-monitoring-XXXXXX)
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
  - $PWD/deploy/prometheus/rules.yaml
scrape_configs:
  - job_name: quote-attribution    # the job label the rules and the dashboard select on
    static_configs:
      - targets: ["127.0.0.1:$METRICS_PORT"]
YAML

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$VENV/bin/quotes-server" --host 127.0.0.1 --port "$GRPC_PORT" --metrics-port "$METRICS_PORT" \
  >"$work/server.log" 2>&1 &
pids+=($!)
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$work/prometheus.log" 2>&1 &
pids+=($!)

echo "--- waiting for the server to report SERVING"
for _ in $(seq 1 300); do
  if "$VENV/bin/quotes" health --target "127.0.0.1:$GRPC_PORT" 2>/dev/null | grep -q SERVING; then
    break
  fi
  sleep 1
done
cat <<TEXT
--- running (Ctrl-C stops both; logs in $work)
  gRPC            127.0.0.1:$GRPC_PORT
  metrics         http://127.0.0.1:$METRICS_PORT/metrics
  Prometheus      http://127.0.0.1:$PROM_PORT/graph   (alerts: /alerts, rules: /rules)
  load            $VENV/bin/quotes-dev load --target 127.0.0.1:$GRPC_PORT --clients 8 --duration 300
  dashboard PNG   $VENV/bin/quotes-dev render-dashboard --prometheus http://127.0.0.1:$PROM_PORT --out dashboard.png
TEXT
wait -n "${pids[@]}"
