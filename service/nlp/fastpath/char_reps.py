"""Each distinct word's character representation computed once, not once per occurrence.

Stanza's tagger and parser each read every word's characters with a character LSTM and pool its
outputs with attention into one vector per word (``CharacterModel``); on news batches that is
about a seventh of a parse. The vector depends only on the word's characters (the LSTM runs on
each word alone, dropout is off at inference), and news repeats its words: "the", "said", ",".
Here each model keeps the vectors of the words it has seen in a fixed-size table; a batch
computes only the words missing from it, each once, with Stanza's own modules and arithmetic,
and reads the rest back. When the table is full it starts again empty (a news vocabulary's common
words come back at once). The vectors are the ones Stanza computes, up to the float rounding of
the batch a word was first read in, as with any change of batching: the same parses on the
shared gold sets (docs/MODELS.md).

``install(pipeline)`` switches the tagger's and the parser's character models to it; models
without attention pooling (whose vector is the LSTM's last state) are left alone.
"""

from __future__ import annotations

import threading
import types

TABLE_WORDS = 32_768  # distinct words kept per model: 16 MiB of float32 at the bundled size


def install(pipeline) -> list[str]:
    """Give the pos and depparse models of ``pipeline`` a table of word vectors; returns the
    names of the processors switched."""
    switched = []
    for name, charmodel in _character_models(pipeline):
        if not getattr(charmodel, "attn", False) or "forward" in vars(charmodel):
            continue
        charmodel.word_vectors = WordVectorTable(charmodel)
        charmodel.forward = types.MethodType(_forward, charmodel)
        switched.append(name)
    return switched


def uninstall(pipeline) -> None:
    """Back to Stanza's own character model (benchmarks and tests compare the two)."""
    for _name, charmodel in _character_models(pipeline):
        vars(charmodel).pop("forward", None)
        vars(charmodel).pop("word_vectors", None)


def forget(pipeline) -> None:
    """Empty the tables (their vectors were computed in the layers' arithmetic of the time:
    ``DocumentParser.set_precision`` calls this when it switches)."""
    for _name, charmodel in _character_models(pipeline):
        table = vars(charmodel).get("word_vectors")
        if table is not None:
            table.clear()


def _character_models(pipeline):
    """(processor name, character model) of ``pipeline``'s tagger and parser, where they have one."""
    for name in ("pos", "depparse"):
        model = getattr(getattr(pipeline.processors.get(name), "trainer", None), "model", None)
        charmodel = getattr(model, "charmodel", None)
        if charmodel is not None:
            yield name, charmodel


class WordVectorTable:
    """Word vectors by character ids, in one preallocated tensor; safe to share across the
    parser's parallel batches (a lock around lookups and inserts, none while computing)."""

    def __init__(self, charmodel, size: int = TABLE_WORDS) -> None:
        import torch

        width = charmodel.num_dir * charmodel.args["char_hidden_dim"]
        self.size = size
        self._vectors = torch.empty(size, width, dtype=charmodel.char_attn.weight.dtype)
        self._slots: dict[tuple[int, ...], int] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._slots.clear()

    def vectors(self, charmodel, chars, wordlens: list[int]):
        """One vector per row of ``chars`` (character ids, padded; ``wordlens`` real lengths,
        longest first, as Stanza's batches give them). Inference only: no gradients."""
        import torch

        with torch.no_grad():
            return self._vectors_of(charmodel, chars, wordlens)

    def _vectors_of(self, charmodel, chars, wordlens: list[int]):
        import torch

        keys = [tuple(row[:length]) for row, length in zip(chars.tolist(), wordlens)]
        with self._lock:
            found = [self._slots.get(key, -1) for key in keys]
            known = [i for i, slot in enumerate(found) if slot >= 0]
            result = torch.empty(len(keys), self._vectors.size(1), dtype=self._vectors.dtype)
            if known:  # copied now: a reset below may reuse these slots
                result[known] = self._vectors[[found[i] for i in known]]
        rows: list[int] = []  # each missing word's first row, longest first
        position: dict[tuple[int, ...], int] = {}  # a missing word's place among them
        for i, slot in enumerate(found):
            if slot < 0 and keys[i] not in position:
                position[keys[i]] = len(rows)
                rows.append(i)
        if not rows:
            return result
        computed = _char_vectors(charmodel, chars[rows], [wordlens[i] for i in rows])
        unknown = [i for i, slot in enumerate(found) if slot < 0]
        result[unknown] = computed[[position[keys[i]] for i in unknown]]
        with self._lock:
            for key, vector in zip(position, computed):
                if key in self._slots:
                    continue
                if len(self._slots) >= self.size:
                    self._slots.clear()
                slot = len(self._slots)
                self._slots[key] = slot
                self._vectors[slot] = vector
        return result


def _char_vectors(charmodel, chars, wordlens: list[int]):
    """``CharacterModel.forward``'s per-word part (embeddings, LSTM, attention pooling) for the
    words of ``chars``, longest first."""
    import torch
    from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

    self = charmodel
    embs = self.dropout(self.char_emb(chars[:, :wordlens[0]]))
    batch_size = embs.size(0)
    state_shape = (self.num_dir * self.args["char_num_layers"], batch_size, self.args["char_hidden_dim"])
    output = self.charlstm(pack_padded_sequence(embs, wordlens, batch_first=True), wordlens,
                           hx=(self.charlstm_h_init.expand(*state_shape).contiguous(),
                               self.charlstm_c_init.expand(*state_shape).contiguous()))
    char_reps = output[0]
    weights = torch.sigmoid(self.char_attn(self.dropout(char_reps.data)))
    char_reps = PackedSequence(char_reps.data * weights, char_reps.batch_sizes)
    char_reps, _ = pad_packed_sequence(char_reps, batch_first=True)
    return char_reps.sum(1)


def _forward(self, chars, chars_mask, word_orig_idx, sentlens, wordlens):
    """``CharacterModel.forward`` with the word vectors from the table."""
    from torch.nn.utils.rnn import pack_sequence, pad_packed_sequence
    from stanza.models.common.utils import tensor_unsort

    res = self.word_vectors.vectors(self, chars, wordlens)
    res = tensor_unsort(res, word_orig_idx)
    res = pack_sequence(res.split(sentlens))
    if self.pad:
        res = pad_packed_sequence(res, batch_first=True)[0]
    return res
