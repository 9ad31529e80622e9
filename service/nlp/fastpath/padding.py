"""Length-sorted batches bounded by padded size, for Stanza's tagger and parser at inference.

Stanza batches a document's sentences by their real word count (5,000 words a batch): the
tagger in document order, the parser sorted by length but cut by real words. Every sentence
of a batch is padded to the batch's longest one, and the tagger's output layers and the
parser's scorers run over the padding too (the parser's pairwise scores over length squared).
On news, where a 70-word sentence shares a batch with 200 short ones, most of that work is
padding. Here both processors take sentences longest first and close a batch when its padded
size (sentences x longest length) would pass a budget, so a batch of long sentences is short
and a batch of short ones is long.

Each sentence is tagged and parsed on its own (packed LSTMs, per-sentence scores and trees),
so batching changes the order of work, not the result; tests compare the parses with Stanza's
own batching.

``install(pipeline)`` switches a loaded pipeline's pos and depparse processors to these
batches; ``uninstall`` switches them back.
"""

from __future__ import annotations

import types

PADDED_TOKENS = 5000  # sentences x longest length per batch: what the parser's scorers pay for


def padding_bounded_batches(lengths: list[int], budget: int = PADDED_TOKENS) -> list[list[int]]:
    """Indices of ``lengths`` longest first (ties in document order), cut into
    batches whose size x first length stays within ``budget``; a sentence longer than the
    budget gets a batch of its own."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for index in order:
        if current and (len(current) + 1) * longest > budget:
            batches.append(current)
            current = []
        if not current:
            longest = lengths[index]
        current.append(index)
    if current:
        batches.append(current)
    return batches


def install(pipeline, budget: int = PADDED_TOKENS) -> list[str]:
    """Give ``pipeline``'s pos and depparse processors padding-bounded batches; returns the
    names of the processors switched."""
    switched = []
    for name, process in (("pos", _tag), ("depparse", _parse)):
        processor = pipeline.processors.get(name)
        if processor is None or getattr(processor, "_variant", None) is not None:
            continue
        processor.padded_batch_tokens = budget
        processor.process = types.MethodType(process, processor)
        switched.append(name)
    return switched


def uninstall(pipeline) -> None:
    """Back to Stanza's own batching (benchmarks and tests compare the two)."""
    for name in ("pos", "depparse"):
        processor = pipeline.processors.get(name)
        if processor is not None and "process" in vars(processor):
            del processor.process


def _tag(processor, document):
    """``POSProcessor.process`` with padding-bounded batches."""
    import torch
    from stanza.models.common import doc
    from stanza.models.common.utils import unsort
    from stanza.models.pos.data import Dataset

    dataset = Dataset(document, processor.config, processor.pretrain, vocab=processor.vocab,
                      evaluation=True, sort_during_eval=True)
    lengths = [len(item.word) for item, _ in dataset]
    batches = padding_bounded_batches(lengths, processor.padded_batch_tokens)
    loader = torch.utils.data.DataLoader(dataset, collate_fn=dataset.collate_fn, batch_sampler=batches)
    preds, order = [], []
    with torch.no_grad():
        for batch in loader:
            order.extend(batch[-1])
            preds += processor.trainer.predict(batch)
    dataset.doc.set([doc.UPOS, doc.XPOS, doc.FEATS], [y for x in unsort(preds, order) for y in x])
    return dataset.doc


def _parse(processor, document):
    """``DepparseProcessor.process`` with padding-bounded batches."""
    import torch
    from stanza.models.common import doc
    from stanza.models.common.utils import unsort
    from stanza.models.depparse.data import DataLoader

    if any(upos is None and xpos is None for upos, xpos in document.get([doc.UPOS, doc.XPOS])):
        raise ValueError("POS not run before depparse!")
    loader = DataLoader(document, processor.config["batch_size"], processor.config, processor.pretrain,
                        vocab=processor.vocab, evaluation=True, sort_during_eval=True)
    lengths = loader.dataset.lengths
    batches = padding_bounded_batches(lengths, processor.padded_batch_tokens)
    loader.sampler.batches = batches
    order = [index for batch in batches for index in batch]
    preds = []
    with torch.no_grad():
        resolve = processor.config.get("resolve_head_constraints", True)
        for batch in loader:
            preds += processor.trainer.predict(batch, resolve_head_constraints=resolve)
    preds = unsort(preds, order)
    loader.doc.set((doc.HEAD, doc.DEPREL), [y for x in preds for y in x])
    for sentence in getattr(loader.doc, "sentences", ()):  # a ColumnDocument has no objects to link
        sentence.build_dependencies()
    return loader.doc
