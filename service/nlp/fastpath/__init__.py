"""Stanza's inference path, faster, with the same output.

Each module swaps one costly step of a loaded ``stanza.Pipeline`` for an equivalent one and can
swap it back (benchmarks and tests compare the two paths):

- ``depparse``: labels only at the chosen arcs, per distinct head; Chu-Liu-Edmonds only when
  needed; a list-based cycle finder.
- ``tagger``: feature strings cached, predictions handed over as numpy arrays.
- ``padding``: sentences longest first, batches bounded by padded size.
- ``vocab``: vocabulary lookups memoised.
- ``collate``: padding in one numpy fill, sorting by index (module functions: applied
  process-wide by ``process_patches``, with the cycle finder, while any pipeline uses them).
- ``lemma``: a dictionary-only lemmatizer asks its dictionary without building seq2seq batches.
- ``char_reps``: each distinct word's character vector computed once per model and kept.
- ``columns``: with all of the above, documents are parsed as per-word columns, not Stanza
  Document objects (``DocumentParser`` chooses; ``parse_stanza`` keeps Stanza Documents).

Each leaves models it does not know (transition parsers, other tagger layouts) alone.
"""

from __future__ import annotations

import logging

from service.nlp.fastpath import char_reps, depparse, lemma, padding, process_patches, tagger, vocab

log = logging.getLogger(__name__)

# The Stanza releases these steps were written against and checked on (they mirror internals such
# as GraphParser.predict's arguments and the processors' process()). Another release falls back
# to Stanza's own path, with a warning, until the steps are checked against it.
SUPPORTED_STANZA = ("1.15.",)

_PER_PIPELINE = (depparse, tagger, padding, vocab, lemma, char_reps)


def supported(version: str | None = None) -> bool:
    if version is None:
        import stanza

        version = stanza.__version__
    return version.startswith(SUPPORTED_STANZA)


def install(pipeline, batch_tokens: int = 5000) -> bool:
    """Switch ``pipeline`` to the fast path; ``batch_tokens`` bounds a batch's padded size
    (sentences x longest length). Returns False (and changes nothing) on an unsupported Stanza."""
    if not supported():
        import stanza

        log.warning("stanza %s is not one the fast path was checked against (%s): parsing on "
                    "Stanza's own path, about 3x slower", stanza.__version__,
                    ", ".join(v + "x" for v in SUPPORTED_STANZA))
        return False
    depparse.install(pipeline)
    tagger.install(pipeline)
    padding.install(pipeline, batch_tokens)
    vocab.install(pipeline)
    lemma.install(pipeline)
    char_reps.install(pipeline)
    process_patches.acquire(pipeline)
    return True


def uninstall(pipeline) -> None:
    """Back to Stanza's own inference path for ``pipeline``. The process-wide steps stay while
    another pipeline in the process uses the fast path (same results either way)."""
    for module in _PER_PIPELINE:
        module.uninstall(pipeline)
    process_patches.release(pipeline)
