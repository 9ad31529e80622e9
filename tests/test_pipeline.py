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


def _module_imports() -> dict[str, set[str]]:
    """Each module of service/ and the service modules its top level imports."""
    import ast

    root = Path(__file__).resolve().parents[1]
    names = {".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): path
             for path in (root / "service").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        imported: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        graph[name] = {module for module in imported if module in names}
    return graph


def test_the_rooms_import_one_way_without_cycles():
    graph = _module_imports()
    assert not {(a, b) for a, targets in graph.items() for b in targets
                if a.startswith("service.nlp") and b.startswith("service.attribution")}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:  # depth-first; a module met again on the path is a cycle
        assert module not in visiting, "import cycle: " + " -> ".join(visiting + [module])
        if module in done:
            return
        visiting.append(module)
        for target in sorted(graph[module]):
            if target != module and not module.startswith(target + "."):  # a package's own parts
                visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_no_module_of_the_service_is_over_500_lines():
    root = Path(__file__).resolve().parents[1] / "service"
    long = {str(p.relative_to(root)): n for p in root.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert not long
