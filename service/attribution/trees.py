"""The one runtime of the learned layers: gradient-boosted regression trees read from plain JSON
(node arrays: feature, threshold, left, right, value; scikit-learn's export adds missing_left),
walked with numpy for many rows at once, and the calibrations that turn their sums into
probabilities. The quote scorer, the learned proposals, the learned boundaries and the speaker
ranker all score through it; nothing from a model file becomes code.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np


class TreeEnsemble:
    """All trees as flat arrays (node k of tree t at ``offsets[t] + k``), walked together: each
    step moves every (quote, tree) pair one level down, so a document's quotes cost a few array
    operations per level instead of a Python loop per node."""

    def __init__(self, trees: list[dict]) -> None:
        offsets, at = [], 0
        for tree in trees:
            offsets.append(at)
            at += len(tree["value"])
        self.roots = np.array(offsets, dtype=np.int64)
        cat = lambda key, dtype: np.array([v for t in trees for v in t[key]], dtype=dtype)  # noqa: E731
        shift = np.array([o for t, o in zip(trees, offsets) for _ in t["value"]], dtype=np.int64)
        feature = cat("feature", np.int64)
        # a leaf: feature -1 (scikit-learn's export) or no children (the speaker ranker's)
        self.is_leaf = (feature < 0) | (cat("left", np.int64) < 0)
        self.feature = np.where(self.is_leaf, 0, feature)
        self.threshold = cat("threshold", np.float64)
        self.missing_left = np.array([bool(v) for t in trees for v in t.get("missing_left", [0] * len(t["value"]))],
                                     dtype=bool)
        # children as global indices; a leaf points at itself, so walking on changes nothing
        index = np.arange(len(feature), dtype=np.int64)
        self.left = np.where(self.is_leaf, index, cat("left", np.int64) + shift)
        self.right = np.where(self.is_leaf, index, cat("right", np.int64) + shift)
        self.value = cat("value", np.float64)
        self.n_trees = len(trees)

    def raw_scores(self, x) -> "list[float]":
        """The sum of the trees' leaf values for each row of ``x`` (items by features)."""
        n = x.shape[0]
        if n == 0 or self.n_trees == 0:
            return [0.0] * n
        node = np.broadcast_to(self.roots, (n, self.n_trees)).copy()
        rows = np.arange(n)[:, None]
        while not self.is_leaf[node].all():
            v = x[rows, self.feature[node]]
            go_left = np.where(np.isnan(v), self.missing_left[node], v <= self.threshold[node])
            node = np.where(go_left, self.left[node], self.right[node])
        return self.value[node].sum(axis=1).tolist()


def feature_matrix(rows: list[dict[str, float]], index: dict[str, int]):
    """Rows of named features as a matrix over ``index``'s columns (absent features are 0)."""
    x = np.zeros((len(rows), len(index)))
    for r, features in enumerate(rows):
        for name, value in features.items():
            k = index.get(name)
            if k is not None:
                x[r, k] = value
    return x


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class IsotonicCurve:
    """A fitted isotonic curve, linear between its points and flat beyond them."""

    def __init__(self, xs: list[float], ys: list[float]) -> None:
        self.xs, self.ys = list(xs), list(ys)

    def __call__(self, p: float) -> float:
        xs, ys = self.xs, self.ys
        if not xs:
            return p
        if p <= xs[0]:
            return ys[0]
        if p >= xs[-1]:
            return ys[-1]
        i = bisect_right(xs, p) - 1
        x0, x1, y0, y1 = xs[i], xs[i + 1], ys[i], ys[i + 1]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (p - x0) / (x1 - x0)
