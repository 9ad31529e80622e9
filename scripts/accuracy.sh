#!/usr/bin/env bash
# Reproduce the figures of docs/ACCURACY.md: start a local server, score it on the shared gold
# files (soleimani, polnear train sample, polnear dev), print the text reports and keep the JSON
# ones.
#
#   scripts/accuracy.sh [OUT_DIR]        (default OUT_DIR: /tmp/quotes-accuracy)
#
# Environment: THREADS (torch threads per batch, default 1), PARALLEL_BATCHES (default 2),
# PORT (gRPC port, default 50599),
# BATCH (documents per call, default 16), PYTHON (default: the repo's .venv, else python3),
# SETS (the gold files to score, by name, default "soleimani polnear-train-sample polnear-dev").
# Writes OUT_DIR/NAME.json for each set (the report as JSON, with the list of errors), NAME.txt
# (the printed text report) and OUT_DIR/server.log.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
eval_dir="$(cd "$(dirname "$0")/../../shared/eval" && pwd)"
out="${1:-/tmp/quotes-accuracy}"
port="${PORT:-50599}"
target="127.0.0.1:${port}"
batch="${BATCH:-16}"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x "$repo/.venv/bin/python" ]]; then PYTHON="$repo/.venv/bin/python"; else PYTHON=python3; fi
fi

cd "$repo"
export PYTHONPATH="$repo:$repo/generated${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$out"

server_pid=""
stop_server() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        # The server drains in-flight calls for up to --grace-seconds; give it a little more.
        for _ in $(seq 1 60); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if "$PYTHON" -m clients.cli health --target "$target" --timeout 2 >/dev/null 2>&1; then
    echo "accuracy.sh: something already serves on $target; set PORT to another port" >&2
    exit 1
fi

echo "starting server on $target (torch threads ${THREADS:-1} x ${PARALLEL_BATCHES:-2} batches; log: $out/server.log)" >&2
"$PYTHON" -m service --host 127.0.0.1 --port "$port" --metrics-port off \
    --torch-threads "${THREADS:-1}" --parallel-batches "${PARALLEL_BATCHES:-2}" --grace-seconds 5 >"$out/server.log" 2>&1 &
server_pid=$!

deadline=$((SECONDS + 120))
until "$PYTHON" -m clients.cli health --target "$target" --timeout 2 >/dev/null 2>&1; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "accuracy.sh: the server exited; last lines of $out/server.log:" >&2
        tail -n 20 "$out/server.log" >&2
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        echo "accuracy.sh: the server was not SERVING after 120 s; see $out/server.log" >&2
        exit 1
    fi
    sleep 1
done

for name in ${SETS:-soleimani polnear-train-sample polnear-dev}; do
    gold="$eval_dir/$name-gold.jsonl"
    echo "== $name ($gold)"
    start=$SECONDS
    # One pass over the server: the text report on stdout (and in .txt), the JSON one (errors
    # included) in .json.
    "$PYTHON" -m clients.cli eval "$gold" --target "$target" --batch-size "$batch" \
        --json-out "$out/$name.json" | tee "$out/$name.txt"
    echo "($((SECONDS - start)) s)"
    echo
done
echo "JSON reports (with errors) in $out" >&2
