"""A cache for the tagger's feature-string building, the one costly Python step of its output.

Stanza's tagger predicts morphological features as one id per feature slot and joins them into a
string ("Number=Sing|Person=3") word by word, through ``CompositeVocab.id2unit``: a tenth of the
tagger's time on news batches. The string depends only on the ids, so it is cached per id tuple
(a few hundred distinct combinations occur). Same strings, same documents.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

MAX_CACHED = 100_000  # distinct id tuples kept; far more than a treebank's feature combinations


def install(pipeline) -> bool:
    """Cache ``pipeline``'s pos feature vocabulary lookups; returns whether it did."""
    from stanza.models.common.vocab import CompositeVocab

    processor = pipeline.processors.get("pos")
    vocab = getattr(getattr(processor, "trainer", None), "vocab", None)
    try:
        feats = vocab["feats"]
    except (KeyError, TypeError):
        return False
    if not isinstance(feats, CompositeVocab) or "id2unit" in vars(feats):
        return False
    lookup = feats.id2unit
    cache: dict = {}

    def id2unit(ids):
        key = tuple(ids) if isinstance(ids, Iterable) else ids
        unit = cache.get(key)
        if unit is None:
            unit = lookup(ids)
            if len(cache) < MAX_CACHED:
                cache[key] = unit
        return unit

    feats.id2unit = id2unit
    return True
