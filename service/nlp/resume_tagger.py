"""Run Stanza's tagger trainer, starting from an earlier best model when one exists.

Stanza's parser resumes from its own checkpoint; its tagger does not, so a stopped tagger run
would start over. This entry point takes Stanza's tagger arguments plus ``--resume_from FILE``
and, when FILE exists, builds the trainer from it (weights and vocabulary; the optimizer
starts fresh) instead of from scratch.

    python -m service.nlp.resume_tagger --resume_from saved/tagger.pt <stanza tagger args>
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    from stanza.models import tagger

    argv = list(sys.argv[1:] if argv is None else argv)
    resume_from = None
    if "--resume_from" in argv:
        at = argv.index("--resume_from")
        resume_from = argv[at + 1]
        del argv[at:at + 2]
    stanza_trainer = tagger.Trainer

    def trainer_from_best(*args, **kwargs):
        if kwargs.get("model_file") is None and resume_from and os.path.exists(resume_from):
            log.warning("resuming tagger training from %s", resume_from)
            return stanza_trainer(args=kwargs.get("args"), pretrain=kwargs.get("pretrain"),
                                  model_file=resume_from, device=kwargs.get("device"),
                                  foundation_cache=kwargs.get("foundation_cache"))
        return stanza_trainer(*args, **kwargs)

    tagger.Trainer = trainer_from_best
    tagger.main(argv)


if __name__ == "__main__":
    main()
