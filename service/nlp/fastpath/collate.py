"""Batch preparation for Stanza's tagger and parser without per-row tensors and tuple sorts.

Stanza's collate functions pad each field with ``get_long_tensor``, which builds one small
tensor per sentence (and per word, for characters) and copies it into the padded one, and sort
the fields with ``sort_all``, which zips every field of every sentence into tuples to sort them.
Both are pure functions of their input; with two torch threads they took about a seventh of the
parse time on news batches. Here padding is one numpy fill and sorting sorts indices; the
tensors and orders are the same.

Unlike the other fastpath steps these are module functions of ``stanza.models.pos.data`` and
``stanza.models.depparse.data``: ``process_patches`` applies them while any pipeline in the
process is on the fast path.
"""

from __future__ import annotations

from itertools import chain

def get_long_tensor(tokens_list, batch_size, pad_id=None):
    """``stanza.models.common.data.get_long_tensor`` for lists of id lists, in one numpy fill;
    deeper nesting (feature ids per word) goes to Stanza's own."""
    import numpy as np
    import torch
    from stanza.models.common import data
    from stanza.models.common.seq2seq_constant import PAD_ID

    pad_id = PAD_ID if pad_id is None else pad_id
    lengths = [len(row) for row in tokens_list]
    flat = list(chain.from_iterable(tokens_list))
    if flat and not isinstance(flat[0], int):
        return data.get_long_tensor(tokens_list, batch_size, pad_id)
    padded = np.full((batch_size, max(lengths)), pad_id, dtype=np.int64)
    filled = np.arange(padded.shape[1]) < np.asarray(lengths)[:, None]
    padded[:len(tokens_list)][filled] = flat
    return torch.from_numpy(padded)


def sort_all(batch, lens):
    """``stanza.models.common.data.sort_all``: every field in descending order of ``lens``
    (ties: later index first, as Stanza's reverse tuple sort), and the original indices."""
    if batch == [[]]:
        return [[]], []
    order = sorted(range(len(lens)), key=lambda i: (lens[i], i), reverse=True)
    return [[field[i] for i in order] for field in batch], order
