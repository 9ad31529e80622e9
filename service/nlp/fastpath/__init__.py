"""Stanza's inference path, faster, with the same output.

Each module swaps one costly step of a loaded ``stanza.Pipeline`` for an equivalent one and can
swap it back (benchmarks and tests compare the two paths):

- ``depparse``: labels only at the chosen arcs, per distinct head; Chu-Liu-Edmonds only when
  needed; a list-based cycle finder.
- ``tagger``: feature strings cached, predictions handed over as numpy arrays.
- ``batching``: sentences longest first, batches bounded by padded size.
- ``vocab``: vocabulary lookups memoised.
- ``collate``: padding in one numpy fill, sorting by index (module-wide, not per pipeline).
- ``lemma``: a dictionary-only lemmatizer asks its dictionary without building seq2seq batches.

Each leaves models it does not know (transition parsers, other tagger layouts) alone.
"""

from __future__ import annotations

from service.nlp.fastpath import batching, collate, depparse, lemma, tagger, vocab


def install(pipeline, batch_tokens: int = 5000) -> None:
    """Switch ``pipeline`` to the fast path; ``batch_tokens`` bounds a batch's padded size
    (sentences x longest length)."""
    depparse.install(pipeline)
    tagger.install(pipeline)
    batching.install(pipeline, batch_tokens)
    vocab.install(pipeline)
    collate.install(pipeline)
    lemma.install(pipeline)


def uninstall(pipeline) -> None:
    """Back to Stanza's own inference path."""
    for module in (depparse, tagger, batching, vocab, collate, lemma):
        module.uninstall(pipeline)
