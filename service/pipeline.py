"""The one pipeline: parse -> find quotes (rules, learned proposals) -> rank speakers -> score ->
redraw boundaries, wired once, for every caller (the server, ``service.api.Extractor``, the
devtools commands, the benches).

``load_parser`` is the one place a parser is built from model settings; ``load_attribution_models``
the one place the learned layers of the attribution room are read (plain JSON files of trees,
``service/models/attribution``); ``build_pipeline(settings)`` joins them with the server's
settings, so a batch job and the server run the same code with the same defaults (one torch
thread a batch, two batches at once).
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
from pathlib import Path

from service.attribution import extractor
from service.attribution.boundaries import MODEL_PATH as BOUNDARY_MODEL, BoundaryModel
from service.attribution.proposals import MODEL_PATH as PROPOSAL_MODEL, ProposalModel
from service.attribution.scorer import QuoteScorer
from service.attribution.spans import Attribution
from service.attribution.speakers.ranking import MODEL_PATH as RANKER_MODEL, SpeakerRanker, load_ranker
from service.document import ParsedDocument
from service.settings import Settings

log = logging.getLogger(__name__)

QUOTE_SCORER_MODEL = Path(__file__).resolve().parent / "models" / "attribution" / "quote_scorer.json"


@dataclass(frozen=True)
class AttributionModels:
    """The attribution room's learned layers; None where a layer is off."""

    scorer: QuoteScorer | None  # keeps or drops each find, gives its confidence
    ranker: SpeakerRanker | None  # chooses each quote's speaker among candidate mentions
    proposer: ProposalModel | None  # phrases the rules miss (only with a scorer to filter them)
    boundaries: BoundaryModel | None  # where indirect and mixed content starts and ends


def load_attribution_models(quote_scorer: str = "bundled") -> AttributionModels:
    """The shipped learned layers. ``quote_scorer``: "bundled", "off" (the rules decide which
    quotes there are: no scorer, so no proposals either; speakers are still ranked and
    boundaries redrawn) or a scorer model file (``--quote-scorer``)."""
    scorer = None
    if quote_scorer != "off":
        scorer = QuoteScorer.load(QUOTE_SCORER_MODEL if quote_scorer == "bundled" else Path(quote_scorer))
        log.info("quote scorer: %d trees over %d features, keep threshold %.2f",
                 len(scorer.trees), len(scorer.feature_names), scorer.threshold)
    models = AttributionModels(
        scorer=scorer,
        ranker=load_ranker(RANKER_MODEL),
        proposer=ProposalModel.load(PROPOSAL_MODEL) if scorer is not None and PROPOSAL_MODEL.is_file() else None,
        boundaries=BoundaryModel.load(BOUNDARY_MODEL) if BOUNDARY_MODEL.is_file() else None)
    _settle_loaded_models()
    return models


def load_parser(*, official_models_dir: str | None = None, bundled_dir: str | None = None,
                torch_threads: int = Settings.torch_threads,
                parse_precision: str = Settings.parse_precision,
                parallel_batches: int = Settings.parallel_batches):
    """A ``service.nlp.pipeline.DocumentParser`` on the models the arguments pick (official
    Stanza models where configured, else the bundled ones), the server's defaults."""
    from service.nlp.models import resolve_models
    from service.nlp.pipeline import DocumentParser

    spec = resolve_models(official_models_dir, bundled_dir)
    parser = DocumentParser(spec, torch_threads=torch_threads, precision=parse_precision,
                            parallel_batches=parallel_batches)
    _settle_loaded_models()
    return parser


def _settle_loaded_models() -> None:
    """Take what is loaded so far out of the garbage collector's full passes (``gc.freeze``).

    Loaded models are some 400,000 Python objects (Stanza's modules and vocabularies, the tree
    tables) that live as long as the process; each full collection walked them all, about 0.2 s
    every ten documents, 6% of a parse. Frozen objects are never freed by the cycle collector,
    which they would not be anyway; reference counting still frees them."""
    gc.freeze()


class QuotePipeline:
    """A parser and the attribution room's models: what turns texts into ``Attribution``s."""

    def __init__(self, parser, models: AttributionModels) -> None:
        self.parser = parser  # service.nlp.pipeline.Parser
        self.models = models

    @property
    def spec(self):
        """The parser's models (``service.nlp.models.ModelSpec``): what answers name."""
        return self.parser.spec

    def extract(self, parsed: ParsedDocument) -> Attribution:
        """The quotes of one parsed document: the finishing stage after parsing."""
        m = self.models
        return extractor.extract(parsed, m.scorer, boundaries=m.boundaries, proposer=m.proposer,
                                 ranker=m.ranker)

    def run(self, texts: list[str]) -> list[Attribution]:
        """Parse ``texts`` together and find their quotes; empty texts have none (the parser is
        not asked about them)."""
        parsed = iter(self.parser.parse([t for t in texts if t.strip()]))
        return [self.extract(next(parsed)) if t.strip() else Attribution(quotes=[], speakers=[])
                for t in texts]


def build_pipeline(settings: Settings, parser=None) -> QuotePipeline:
    """The pipeline ``settings`` describe (``parser``: one already loaded, e.g. shared by tests)."""
    if parser is None:
        parser = load_parser(official_models_dir=settings.official_models_dir,
                             torch_threads=settings.torch_threads,
                             parse_precision=settings.parse_precision,
                             parallel_batches=settings.parallel_batches)
    return QuotePipeline(parser, load_attribution_models(settings.quote_scorer))
