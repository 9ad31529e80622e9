"""The arithmetic the tagger and parser run in: float32, or bfloat16 where the CPU has it.

Most of a parse is the tagger's and parser's LSTMs and linear layers, and on CPUs with native
bfloat16 arithmetic (AVX512-BF16, AMX) those run about twice as fast in bfloat16 with the same
float32 weights rounded once. That is not bit-for-bit the float32 parse: on news about one word in
a thousand gets another head (docs/MODELS.md has the EWT and quote figures), so it is a setting
(``--parse-precision``): ``auto`` takes bfloat16 only where the CPU runs it natively (elsewhere it
would be slower), ``float32`` is the exact path.

``use(pipeline, precision)`` switches a loaded pipeline either way and back; each LSTM and linear
layer of the pos and depparse models gets a bfloat16 copy of its weights that its ``forward``
uses, with inputs and outputs cast at the layer, so every other step (attention pooling, the
biaffine scorers' products, softmax, decoding) stays float32.
"""

from __future__ import annotations

import copy
import logging
import os

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "float32", "bfloat16")
_MODELS = ("pos", "depparse")

# bfloat16 layers run as oneDNN primitives, which oneDNN and PyTorch's ideep layer over it cache
# per input shape with their scratch memory, up to 1,024 each. Batches of news sentences seldom
# repeat a shape, so the caches only grow: a process parsing the 84 PolNeAR dev articles went from
# 0.5 to 1.5 GiB (float32: 0.6). Sixteen entries keep it at 0.65 GiB, no slower (bench/README.md).
# Both are read when the first primitive is made; a value set by the operator wins.
KERNEL_CACHE_VARIABLES = ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY")
KERNEL_CACHE_CAPACITY = "16"


def resolve(precision: str) -> str:
    """``auto`` -> ``bfloat16`` where the CPU computes it natively, else ``float32``."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if precision != "auto":
        return precision
    return "bfloat16" if native_bfloat16() else "float32"


def native_bfloat16() -> bool:
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def use(pipeline, precision: str) -> str:
    """Run ``pipeline``'s tagger and parser layers in ``precision`` (resolved); returns it."""
    precision = resolve(precision)
    if precision == "bfloat16":
        for name in KERNEL_CACHE_VARIABLES:
            os.environ.setdefault(name, KERNEL_CACHE_CAPACITY)
    for layer in _layers(pipeline):
        if precision == "bfloat16" and "forward" not in vars(layer):
            layer.forward = _bfloat16_forward(layer)
        elif precision == "float32":
            vars(layer).pop("forward", None)
    return precision


def current(pipeline) -> str:
    return "bfloat16" if any("forward" in vars(layer) for layer in _layers(pipeline)) else "float32"


def _layers(pipeline):
    import torch

    for name in _MODELS:
        model = getattr(getattr(pipeline.processors.get(name), "trainer", None), "model", None)
        if model is None:
            continue
        for module in model.modules():
            if type(module) in (torch.nn.LSTM, torch.nn.Linear):
                yield module


def _bfloat16_forward(layer):
    import torch
    from torch.nn.utils.rnn import PackedSequence

    rounded = copy.deepcopy(layer).to(torch.bfloat16)

    def cast(x, dtype):
        if isinstance(x, PackedSequence):
            return PackedSequence(x.data.to(dtype), x.batch_sizes, x.sorted_indices, x.unsorted_indices)
        if isinstance(x, tuple):
            return tuple(cast(item, dtype) for item in x)
        return x if x is None else x.to(dtype)

    if isinstance(layer, torch.nn.LSTM):
        def forward(input, hx=None):
            output, state = rounded(cast(input, torch.bfloat16), cast(hx, torch.bfloat16))
            return cast(output, torch.float32), cast(state, torch.float32)
    else:
        def forward(input):  # type: ignore[misc]  # an LSTM's forward takes hx too
            return rounded(input.to(torch.bfloat16)).to(torch.float32)
    return forward
