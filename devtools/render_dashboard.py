"""Render the Grafana dashboard's panels to one PNG from a running Prometheus (no Grafana needed).

Reads deploy/grafana/quote-attribution.json, runs each panel's PromQL (the same text, variables
at "All") over the last ``--minutes`` through Prometheus' HTTP API, and draws each panel as a
line chart (tables and stats as their latest values) with matplotlib.

    quotes-dev render-dashboard --prometheus http://127.0.0.1:9090 --out dashboard.png
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "deploy" / "grafana" / "quote-attribution.json"


def concrete(expr: str, rate_interval: str) -> str:
    """The expression as Grafana sends it with every variable at "All"."""
    return (expr.replace("$namespace", ".*").replace("$pod", ".*")
            .replace("$__rate_interval", rate_interval))


def query_range(prometheus: str, expr: str, start: float, end: float, step: float) -> list[dict]:
    params = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(f"{prometheus}/api/v1/query_range?{params}", timeout=30) as reply:
        body = json.loads(reply.read())
    if body.get("status") != "success":
        raise RuntimeError(f"{expr}: {body}")
    return body["data"]["result"]


def legend(template: str, labels: dict[str, str]) -> str:
    text = template
    for key, value in labels.items():
        text = text.replace("{{" + key + "}}", value)
    text = re.sub(r"\{\{\w+\}\}", "", text).strip()  # labels the series lacks (pod, locally)
    return text or ", ".join(f"{k}={v}" for k, v in labels.items() if k != "__name__") or "all"


def render(prometheus: str, out: Path, minutes: float, rate_interval: str) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    panels = [p for p in board["panels"] if p["type"] != "row"]
    end = time.time()
    start = end - minutes * 60
    step = max(1.0, minutes * 60 / 240)
    columns = 3
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(6 * columns, 3.4 * rows), squeeze=False,
                                layout="constrained")
    drawn = 0
    for axis, panel in zip(axes.flat, panels):
        axis.set_title(panel["title"], fontsize=10)
        unit = panel["fieldConfig"]["defaults"]["unit"].removeprefix("suffix: ").strip()
        series = []
        for target in panel["targets"]:
            for result in query_range(prometheus, concrete(target["expr"], rate_interval),
                                      start, end, step):
                points = [(datetime.fromtimestamp(t, timezone.utc), float(v))
                          for t, v in result["values"] if not math.isnan(float(v))]
                if points:
                    series.append((legend(target.get("legendFormat", ""), result["metric"]),
                                   points))
        if panel["type"] in ("table", "stat"):
            axis.axis("off")
            lines = [f"{name}: {points[-1][1]:g}" for name, points in series] or ["no data"]
            axis.text(0.02, 0.9, "\n".join(lines[:8]), va="top", fontsize=9, family="monospace",
                      transform=axis.transAxes)
        else:
            for name, points in series:
                axis.plot([t for t, _ in points], [v for _, v in points], label=name)
            axis.set_ylabel(unit, fontsize=8)
            axis.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
            axis.tick_params(labelsize=7)
            if series:
                axis.legend(fontsize=6, loc="upper left")
            else:
                axis.text(0.5, 0.5, "no data", ha="center", transform=axis.transAxes)
        drawn += bool(series)
    for axis in list(axes.flat)[len(panels):]:
        axis.axis("off")
    figure.suptitle(f"{board['title']}: last {minutes:g} minutes (from {prometheus})")
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=80)
    plt.close(figure)
    print(f"wrote {out}: {drawn} of {len(panels)} panels with data")
    return drawn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prometheus", default="http://127.0.0.1:9090",
                        help="Prometheus base URL (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("dashboard.png"),
                        help="PNG to write (default: %(default)s)")
    parser.add_argument("--minutes", type=float, default=15,
                        help="time range, ending now (default: %(default)s)")
    parser.add_argument("--rate-interval", default="1m",
                        help="what $__rate_interval stands for (default: %(default)s)")
    args = parser.parse_args(argv)
    render(args.prometheus.rstrip("/"), args.out, args.minutes, args.rate_interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
