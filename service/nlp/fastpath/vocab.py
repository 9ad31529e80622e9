"""Memoised vocabulary lookups for Stanza's tagger and parser input.

Before each batch Stanza maps every word, every character of every word, and every tag to ids,
one Python call chain per unit (``Vocab.map`` -> ``unit2id`` -> ``normalize_unit``): about 600k
calls per 30k words, a few percent of the parse time. News repeats its words, so each vocabulary
remembers the ids it has given (the character vocabulary per word), up to ``MAX_CACHED`` entries.
Same ids, same parses.
"""

from __future__ import annotations

MAX_CACHED = 200_000  # entries per vocabulary; bounds a long-running server's memory


def install(pipeline) -> int:
    """Memoise the pos and depparse vocabularies of ``pipeline``; returns how many it did."""
    return sum(_memoise(vocab, per_word=name == "char") for name, vocab in _vocabularies(pipeline))


def uninstall(pipeline) -> None:
    """Back to Stanza's own lookups (benchmarks and tests compare the two)."""
    for _name, vocab in _vocabularies(pipeline):
        vars(vocab).pop("map", None)


def _vocabularies(pipeline):
    """(name, vocabulary) for the tagger's and parser's vocabularies and their word vectors'."""
    for processor_name in ("pos", "depparse"):
        processor = pipeline.processors.get(processor_name)
        vocabs = getattr(getattr(processor, "trainer", None), "vocab", None)
        yield from getattr(vocabs, "_vocabs", {}).items()
        pretrain = getattr(processor, "pretrain", None)
        if pretrain is not None:
            yield "pretrain", pretrain.vocab


def _memoise(vocab, *, per_word: bool) -> bool:
    if "map" in vars(vocab):  # already done (the parser and tagger share the pretrain)
        return False
    if per_word:
        vocab.map = _per_sequence(vocab.map)
    else:
        vocab.map = _per_unit(vocab.unit2id)
    return True


def _per_unit(unit2id):
    """``Vocab.map`` with each unit's id remembered."""
    cache: dict = {}
    known = cache.get

    def map_units(units):
        ids = [known(unit) for unit in units]
        if None in ids:  # first sightings: ask the vocabulary
            for at, found in enumerate(ids):
                if found is None:
                    unit = units[at]
                    ids[at] = found = unit2id(unit)
                    if len(cache) < MAX_CACHED:
                        cache[unit] = found
        return ids

    return map_units


def _per_sequence(map_units):
    """``Vocab.map`` with each whole sequence's ids remembered (a word's characters)."""
    cache: dict = {}

    def map_sequence(units):
        key = tuple(units)
        found = cache.get(key)
        if found is None:
            found = map_units(units)
            if len(cache) < MAX_CACHED:
                cache[key] = found
        return list(found)

    return map_sequence
