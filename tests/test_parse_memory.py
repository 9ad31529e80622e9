"""Memory of a parsing process stays flat over batches of ever new shapes.

In bfloat16 the tagger's and parser's layers run as oneDNN primitives, cached per input shape;
with the libraries' default cache sizes a process grew by ~0.8 GiB over these 40 batches (1 GiB
over 84 news articles). ``service.nlp.precision`` keeps those caches small. Measured in a fresh
process, since the cache sizes are read when the first primitive is made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.nlp.precision import KERNEL_CACHE_VARIABLES, native_bfloat16

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys
from pathlib import Path
from service.nlp.models import resolve_models
from service.nlp.pipeline import DocumentParser

news = [json.loads(line)["text"] for line in Path(sys.argv[1]).read_text().splitlines()]
paragraphs = [p for text in news for p in text.split("\n\n")]

def rss_mib():
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20

parser = DocumentParser(resolve_models(), torch_threads=1, precision="bfloat16")
parser.parse(news[:2])
start = rss_mib()
for k in range(40):  # batches of 1-5 texts of 3-11 paragraphs: few shapes repeat
    texts = ["\n\n".join(paragraphs[(k * 7 + j) % len(paragraphs):][: 3 + (k + j) % 9])
             for j in range(1 + k % 5)]
    parser.parse(texts)
print(json.dumps({"start": start, "end": rss_mib()}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
@pytest.mark.skipif(not native_bfloat16(), reason="this CPU has no native bfloat16: float32 runs")
def test_bfloat16_parsing_does_not_grow_with_new_batch_shapes():
    env = {name: value for name, value in os.environ.items() if name not in KERNEL_CACHE_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "generated")])
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / "tests" / "data" / "news.jsonl")],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rss = json.loads(done.stdout.strip().splitlines()[-1])
    # With the default cache sizes: +809 MiB; with small ones: +62 MiB (this machine).
    assert rss["end"] - rss["start"] < 250, rss
