"""The fast path's process-wide patches, owned in one place and reference-counted.

Most fastpath steps change one pipeline's processors. Two cannot: Stanza's collate helpers
(``stanza.models.{pos,depparse}.data``) and its cycle finder (``chuliu_edmonds.tarjan``) are
module functions, shared by every pipeline in the process. They are applied when the first
pipeline switches to the fast path and restored when the last one switches back, so switching one
pipeline back (a benchmark comparing with Stanza's own path) never slows another one down. Every
patch gives the same results as what it replaces, so sharing them is safe.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class ModulePatch:
    module: str
    attribute: str
    replacement_path: str  # "package.module:function", imported when applied

    def replacement(self):
        module, _, name = self.replacement_path.partition(":")
        return getattr(importlib.import_module(module), name)


PATCHES = (
    ModulePatch("stanza.models.pos.data", "get_long_tensor",
                "service.nlp.fastpath.collate:get_long_tensor"),
    ModulePatch("stanza.models.pos.data", "sort_all", "service.nlp.fastpath.collate:sort_all"),
    ModulePatch("stanza.models.depparse.data", "get_long_tensor",
                "service.nlp.fastpath.collate:get_long_tensor"),
    ModulePatch("stanza.models.depparse.data", "sort_all",
                "service.nlp.fastpath.collate:sort_all"),
    ModulePatch("stanza.models.common.chuliu_edmonds", "tarjan",
                "service.nlp.fastpath.depparse:find_cycles"),
)

_lock = threading.Lock()
_users: set[int] = set()  # ids of the pipelines on the fast path
_originals: dict[tuple[str, str], object] = {}


def acquire(pipeline) -> None:
    """``pipeline`` uses the fast path: apply the patches if it is the first."""
    with _lock:
        if not _users:
            for patch in PATCHES:
                module = importlib.import_module(patch.module)
                _originals[(patch.module, patch.attribute)] = getattr(module, patch.attribute)
                setattr(module, patch.attribute, patch.replacement())
        _users.add(id(pipeline))


def release(pipeline) -> None:
    """``pipeline`` is back on Stanza's path: restore Stanza's functions if it was the last."""
    with _lock:
        _users.discard(id(pipeline))
        if not _users:
            for (module, attribute), original in _originals.items():
                setattr(importlib.import_module(module), attribute, original)
            _originals.clear()


def applied() -> bool:
    with _lock:
        return bool(_users)


def original(module: str, attribute: str):
    """Stanza's own function, whether or not it is patched now."""
    with _lock:
        found = _originals.get((module, attribute))
    return found if found is not None else getattr(importlib.import_module(module), attribute)
