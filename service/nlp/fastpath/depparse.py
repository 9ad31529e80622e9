"""Inference for Stanza's graph dependency parser that labels only the arcs it keeps.

Stanza's ``GraphParser.forward`` scores every label for every (dependent, head) pair of a padded
batch (an N x L x L x R tensor, R about 50 relations), takes its log-softmax and copies it to
numpy, so that a repair step can relabel arcs where a head got two subjects or two objects. On
news batches that label tensor is most of the parse time. This predictor decodes the tree from
the arc scores as Stanza does, then scores labels only at each word's chosen head; the full
label scores of a sentence are computed only when that sentence needs Stanza's repair. Even
then the bilinear label scorer is the costliest step, so its head half is computed once per
distinct head and shared by that head's dependents. The output is the same trees and labels (up
to float rounding), at a fraction of the cost.

Decoding is Stanza's Chu-Liu-Edmonds, skipped where the best heads already form a single-root
tree (most news sentences; see ``decode_tree``), written again here with the same arithmetic and
less numpy overhead per contraction, and its cycle finder, ``tarjan``, is swapped for
``find_cycles`` below: a walk along the heads instead of element-wise numpy indexing, which made
it the next largest cost (each sentence starts with cycles, since Stanza down-weights root arcs
to get a single root). Same cycles, same order, same trees.

``install(pipeline)`` switches a loaded ``stanza.Pipeline``'s depparse processor to it; models
it does not know (transition parsers, arc-embedding or ensemble models) are left alone.
"""

from __future__ import annotations

import logging
import types

log = logging.getLogger(__name__)


LABEL_CHUNK_TOKENS = 1024  # tokens whose label scores are computed at once (bounds memory)


def install(pipeline) -> bool:
    """Use the fast predictor for ``pipeline``'s depparse model; returns whether it did."""
    from stanza.models.depparse.model import GraphParser

    processor = pipeline.processors.get("depparse")
    model = getattr(getattr(processor, "trainer", None), "model", None)
    if type(model) is not GraphParser or model.args.get("use_arc_embedding"):
        log.info("fast depparse not installed: model is %s", type(model).__name__)
        return False
    model.predict = types.MethodType(predict, model)
    return True


def decode_tree(scores):
    """The best single-root tree for ``scores`` (scores[d, h]: head h for dependent d), as
    ``chuliu_edmonds_one_root`` finds it. The best tree of all, when it has one root, is also the
    best single-root one: when every word's best head already forms such a tree no search is
    needed, and otherwise a plain Chu-Liu-Edmonds search usually finds it."""
    import numpy as np

    greedy = scores.copy()
    np.fill_diagonal(greedy, -np.inf)
    greedy[0] = -np.inf
    greedy[0, 0] = 0
    tree = greedy.argmax(axis=1)
    cycles = find_cycles(tree)
    if not cycles:
        if np.count_nonzero(tree[1:] == 0) == 1:
            return tree
    else:
        # The best tree of all, found without Stanza's root penalty (which makes every word avoid
        # the root first and so costs many contractions): when it has one root it is also the best
        # single-root tree.
        unconstrained = chuliu_edmonds(scores.astype(np.float64))
        if np.count_nonzero(unconstrained[1:] == 0) == 1:
            return unconstrained
    return chuliu_edmonds_one_root(scores)


def chuliu_edmonds_one_root(scores):
    """``stanza.models.common.chuliu_edmonds.chuliu_edmonds_one_root``: root arcs lowered by the
    same amount, so that the best tree has one root, then ``chuliu_edmonds``."""
    import numpy as np

    scores = scores.astype(np.float64)
    min_score = scores[np.isfinite(scores)].min()
    scores[:, 0] = scores[:, 0] + (min_score * scores.shape[0])
    return chuliu_edmonds(scores)


def chuliu_edmonds(scores):
    """``stanza.models.common.chuliu_edmonds.chuliu_edmonds`` with the same arithmetic in the
    same order (so the same trees), less numpy call overhead: submatrices taken in one
    indexing each, the contracted matrix filled in place rather than padded, ``find_cycles``.
    Changes ``scores`` in place, as Stanza's does."""
    from stanza.models.common.chuliu_edmonds import expand_contracted_tree

    contracted: list[tuple] = []
    _prepare_scores(scores)
    tree = scores.argmax(axis=1)
    cycles = find_cycles(tree)
    while cycles:  # contract the last cycle found, then look again
        scores, *expansion = _contract(tree, cycles.pop(), scores)
        contracted.append((tree, *expansion))
        _prepare_scores(scores)
        tree = scores.argmax(axis=1)
        cycles = find_cycles(tree)
    while contracted:
        tree = expand_contracted_tree(contracted[-1][0], tree, *contracted.pop()[1:])
    return tree


def _prepare_scores(scores) -> None:
    import numpy as np

    np.fill_diagonal(scores, -np.inf)  # no self-loops
    scores[0] = -np.inf
    scores[0, 0] = 0


def _contract(tree, cycle, scores):
    """Stanza's ``process_cycle``: the scores with ``cycle`` as one node (last), and what
    ``expand_contracted_tree`` needs to undo it."""
    import numpy as np

    cycle_locs = np.flatnonzero(cycle)
    noncycle_locs = np.flatnonzero(~cycle)
    cycle_scores = scores[cycle_locs, tree[cycle_locs]]
    cycle_score = cycle_scores.sum()
    head_scores = scores[np.ix_(cycle_locs, noncycle_locs)] - cycle_scores[:, None] + cycle_score
    dep_scores = scores[np.ix_(noncycle_locs, cycle_locs)]
    heads = head_scores.argmax(axis=0)  # best cycle word to take each outside word as head
    deps = dep_scores.argmax(axis=1)  # best cycle word as head of each outside word
    n = len(noncycle_locs)
    columns = np.arange(n)
    contracted = np.empty((n + 1, n + 1), dtype=scores.dtype)
    contracted[:n, :n] = scores[np.ix_(noncycle_locs, noncycle_locs)]
    contracted[n, :n] = head_scores[heads, columns]
    contracted[:n, n] = dep_scores[columns, deps]
    contracted[n, n] = 0
    return contracted, cycle_locs, noncycle_locs, heads, deps


def uninstall(pipeline) -> None:
    """Back to Stanza's own predictor (benchmarks and tests compare the two). The cycle finder
    is a process-wide patch (``process_patches``)."""
    processor = pipeline.processors.get("depparse")
    model = getattr(getattr(processor, "trainer", None), "model", None)
    if model is not None and "predict" in vars(model):
        del model.predict


def find_cycles(tree):
    """``stanza.models.common.chuliu_edmonds.tarjan`` for head arrays: the cycles of ``tree``
    (tree[i] is the head of i), each a boolean mask, in Tarjan's order. Every word has one head,
    so each cycle is found by walking heads from the first word not yet seen, and Tarjan's
    search (from each word in index order, dependents in index order) reaches a cycle first
    from its lowest word and reports it before starting again: its order is the order of the
    cycles' lowest words."""
    import numpy as np

    heads = tree.tolist()
    n = len(heads)
    state = [0] * n  # 0: not seen, 1: on the current walk, 2: done
    found = []
    for start in range(n):
        if state[start]:
            continue
        walk = []
        node = start
        while not state[node]:
            state[node] = 1
            walk.append(node)
            node = heads[node]
        if state[node] == 1:  # the walk ran into itself: a cycle (or the root's self-arc)
            members = walk[walk.index(node):]
            if len(members) > 1:
                found.append(members)
        for member in walk:
            state[member] = 2
    cycles = []
    for members in sorted(found, key=min):
        cycle = np.zeros(n, dtype=bool)
        cycle[members] = True
        cycles.append(cycle)
    return cycles


def predict(model, word, word_mask, wordchars, wordchars_mask, upos, xpos, ufeats, pretrained,
            lemma, head, deprel, word_orig_idx, sentlens, wordlens, text,
            resolve_head_constraints=False):
    """Drop-in for ``GraphParser.predict``: [[head, deprel] per word] per sentence."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from stanza.models.common.vocab import VOCAB_PREFIX_SIZE
    from stanza.models.depparse.head_constraints import (find_head_constraint_violations,
                                                         resolve_head_constraint_violations)

    vocab = model.vocab["deprel"]
    with torch.no_grad():
        lstm_outputs = model.embed(word, word_mask, wordchars, wordchars_mask, upos, xpos, ufeats,
                                   pretrained, lemma, head, deprel, word_orig_idx, sentlens,
                                   wordlens, text)
        hidden = model.drop(lstm_outputs)
        arc_scores = _arc_scores(model, hidden, word, head)
        arc_log_probs = F.log_softmax(arc_scores, 2).cpu().numpy()

        trees = [decode_tree(arc_log_probs[i][:n, :n]) for i, n in enumerate(sentlens)]

        # The deprel scorer's two projections (with the bias column PairwiseBiaffineScorer adds),
        # taken only at the rows needed: each real word as a dependent, each chosen head once.
        scorer = model.deprel
        def dep_projection(x):
            return _with_ones(scorer.hidden_func(scorer.W1(x)))

        def head_projection(x):
            return _with_ones(scorer.hidden_func(scorer.W2(x)))

        weight = scorer.scorer.W_bilin.weight  # I x J x R
        bias = scorer.scorer.W_bilin.bias

        # One (dependent, chosen head) pair per real word, flattened across the batch, as row
        # numbers of the flattened (sentence x position) hidden states.
        width = hidden.size(1)
        starts = np.arange(len(trees)) * width
        dep_rows = np.concatenate([start + np.arange(1, len(tree)) for start, tree in zip(starts, trees)])
        head_rows = np.concatenate([start + tree[1:] for start, tree in zip(starts, trees)])
        flat_hidden = hidden.reshape(-1, hidden.size(-1))
        dep_vectors = dep_projection(flat_hidden[torch.from_numpy(dep_rows).to(hidden.device)])
        head_keys = torch.from_numpy(head_rows.astype(np.int64)).to(hidden.device)
        # A head's half of the bilinear form (W contracted with its vector, I x R) is shared by
        # all its dependents: computed once per distinct head, about half as many as words.
        n_in, n_head, n_rel = weight.shape
        weight_by_head = weight.permute(1, 0, 2).reshape(n_head, n_in * n_rel)  # J x (I R)
        labels = []
        for at in range(0, len(dep_rows), LABEL_CHUNK_TOKENS):
            d = dep_vectors[at:at + LABEL_CHUNK_TOKENS]
            distinct, which = torch.unique(head_keys[at:at + LABEL_CHUNK_TOKENS], return_inverse=True)
            per_head = (head_projection(flat_hidden[distinct]) @ weight_by_head).view(-1, n_in, n_rel)
            labels.append((_scores_by_head(d, which, per_head) + bias).argmax(1))
        raw_labels = torch.cat(labels).cpu().numpy() if labels else np.zeros(0, dtype=np.int64)
        # one lookup table instead of a vocabulary call per word
        label_names = vocab.unmap(list(range(VOCAB_PREFIX_SIZE, VOCAB_PREFIX_SIZE + weight.shape[2])))

        out = []
        at = 0
        for i, tree in enumerate(trees):
            n_words = len(tree) - 1
            raw_ids = raw_labels[at:at + n_words]
            at += n_words
            deprels = [label_names[r] for r in raw_ids.tolist()]
            if resolve_head_constraints and find_head_constraint_violations(tree, deprels):
                n = sentlens[i]
                words = hidden[i:i + 1, :n]
                pair_scores = scorer.scorer.W_bilin(dep_projection(words), head_projection(words))
                label_log_probs = F.log_softmax(pair_scores, 3)[0].cpu().numpy()
                tree, raw_ids = resolve_head_constraint_violations(
                    arc_log_probs[i][:n, :n], label_log_probs, tree, vocab)
                deprels = vocab.unmap([int(r) + VOCAB_PREFIX_SIZE for r in raw_ids])
            out.append([[int(h), d] for h, d in zip(tree[1:], deprels)])
    return out


def _scores_by_head(dep_vectors, which, per_head):
    """Label scores of each dependent, ``dep_vectors[t] @ per_head[which[t]]``: the dependents
    of one head are stacked (padded to the most any head has) and multiplied by that head's
    matrix in one batched product, so no per-dependent copy of its matrix is made."""
    import torch

    order = torch.argsort(which, stable=True)
    grouped = which[order]
    counts = torch.bincount(grouped, minlength=per_head.size(0))
    starts = torch.cumsum(counts, 0) - counts
    slot = torch.arange(len(order), device=which.device) - starts[grouped]
    stacked = dep_vectors.new_zeros(per_head.size(0), int(counts.max()), dep_vectors.size(1))
    stacked[grouped, slot] = dep_vectors[order]
    scores = torch.empty(len(order), per_head.size(2), dtype=per_head.dtype, device=which.device)
    scores[order] = torch.bmm(stacked, per_head)[grouped, slot]
    return scores


def _with_ones(x):
    import torch

    return torch.cat([x, x.new_ones(*x.size()[:-1], 1)], x.dim() - 1)


def _arc_scores(model, hidden, word, head):
    """The unlabeled arc scores exactly as ``GraphParser.forward_scores`` computes them."""
    import torch
    import torch.nn.functional as F

    scores = model.unlabeled(hidden, hidden).squeeze(3)
    offsets = None
    if model.args["linearization"] or model.args["distance"]:
        positions = torch.arange(word.size(1), device=head.device)
        offsets = positions.view(1, 1, -1).expand(word.size(0), -1, -1) \
            - positions.view(1, -1, 1).expand(word.size(0), -1, -1)
    if model.args["linearization"]:
        lin = model.linearization(hidden, hidden).squeeze(3)
        scores += F.logsigmoid(lin * torch.sign(offsets).float())
    if model.args["distance"]:
        dist = model.distance(hidden, hidden).squeeze(3)
        predicted = 1 + F.softplus(dist)
        scores += -torch.log((torch.abs(offsets).float() - predicted) ** 2 / 2 + 1)
    diag = torch.eye(head.size(-1) + 1, dtype=torch.bool, device=head.device).unsqueeze(0)
    scores.masked_fill_(diag, -float("inf"))
    return scores
