"""The one pipeline (``service.pipeline``): what the server, the library and the devtools share."""

from __future__ import annotations

import ast
from pathlib import Path

from service.api import Extractor
from service.pipeline import QuotePipeline, build_pipeline, load_attribution_models
from service.settings import Settings

REPO = Path(__file__).resolve().parents[1]
TEXTS = ['"We cannot wait," said Mayor Jane Doe-Smith. "This wall protects 3,000 homes."',
         "",
         "The council said the wall would be finished by May, according to the city engineer."]


def test_the_library_and_the_server_build_the_same_pipeline(parser):
    served = build_pipeline(Settings(), parser=parser)
    library = Extractor(parser=parser)
    assert library.extract(TEXTS) == served.run(TEXTS)
    assert served.run(TEXTS)[1].quotes == []
    assert served.run(TEXTS)[0].quotes[0].parts and served.run(TEXTS)[0].quotes[0].speaker.title == "Mayor"


def test_the_library_takes_the_servers_defaults():
    extractor, settings = Extractor(), Settings()
    assert (extractor.torch_threads, extractor.parallel_batches, extractor.parse_precision,
            extractor.quote_scorer) == (settings.torch_threads, settings.parallel_batches,
                                        settings.parse_precision, settings.quote_scorer)


def test_models_off_means_the_rules_alone(parser):
    off = load_attribution_models("off")
    assert off.scorer is None and off.proposer is None
    on = load_attribution_models()
    assert on.scorer is not None and on.proposer is not None and on.boundaries is not None
    assert on.ranker is not None
    rules = QuotePipeline(parser, off).run(TEXTS[:1])[0]
    assert rules.quotes and all(q.rule != "learned" for q in rules.quotes)


def test_the_parser_is_built_in_one_place():
    """Only service/pipeline.py constructs a DocumentParser (bench/cpu_ab.py too: it runs
    against older checkouts that have no service.pipeline)."""
    builders = []
    for path in [*REPO.glob("service/**/*.py"), *REPO.glob("devtools/*.py"), *REPO.glob("clients/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "DocumentParser":
                builders.append(str(path.relative_to(REPO)))
    assert builders == ["service/pipeline.py"]
