"""Dictionary lemmas without Stanza's seq2seq batching.

When a lemmatizer is dictionary-only (the bundled models' is), Stanza's ``LemmaProcessor`` still
builds its ``DataLoader``, which maps every word's characters to ids for a seq2seq model it then
does not run: about a sixteenth of the parse time on news. Here the processor asks the
dictionary directly, as Stanza does after building that loader, and maps empty lemmas to "_" as
Stanza does. Same lemmas; other lemmatizers (seq2seq, identity) are left alone.
"""

from __future__ import annotations

import types


def install(pipeline) -> bool:
    """Switch a dictionary-only lemma processor of ``pipeline`` to direct lookups."""
    processor = pipeline.processors.get("lemma")
    if (processor is None or getattr(processor, "use_identity", True)
            or not processor.config.get("dict_only", False) or "process" in vars(processor)):
        return False
    processor.process = types.MethodType(_dictionary_lemmas, processor)
    return True


def uninstall(pipeline) -> None:
    processor = pipeline.processors.get("lemma")
    if processor is not None:
        vars(processor).pop("process", None)


def _dictionary_lemmas(self, document):
    from stanza.models.common import doc

    lemmas = self.trainer.predict_dict(document.get([doc.TEXT, doc.UPOS]))
    document.set([doc.LEMMA], [lemma if lemma else "_" for lemma in lemmas])
    return document
