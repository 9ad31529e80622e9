"""Which English models to load, and from where: the one place that decides.

Order of preference:
1. Stanza's official English models, when a resources folder holding them is configured
   (``QUOTES_OFFICIAL_MODELS_DIR`` / ``--official-models-dir``, else ``STANZA_RESOURCES_DIR``).
2. The compact models bundled in this package (``service/models/en``), trained from UD English-EWT
   by ``python -m devtools.train_models``.

Nothing is downloaded unless ``download_official_models`` is called (``quotes-server --download-models``).

The attribution room's learned layers are loaded by ``service.pipeline.load_attribution_models``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "models" / "en"
PROCESSORS = "tokenize,pos,lemma,depparse"


@dataclass(frozen=True)
class ModelSpec:
    """What will be loaded: enough to build a Pipeline and to report the model to callers."""

    name: str
    version: str
    source: str  # "official" or "bundled"
    resources_dir: Path
    pipeline_kwargs: dict = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


def _official_spec(resources_dir: Path) -> ModelSpec | None:
    """A spec for Stanza's official English models in ``resources_dir``, or None if absent."""
    resources_file = resources_dir / "resources.json"
    if not resources_file.is_file():
        return None
    try:
        resources = json.loads(resources_file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("unreadable %s: %s", resources_file, exc)
        return None
    english = resources.get("en")
    if not isinstance(english, dict) or "default_processors" not in english:
        return None
    lang_dir = resources_dir / "en"
    needed = ("pos", "lemma", "depparse")
    if not all((lang_dir / proc).is_dir() and any((lang_dir / proc).iterdir()) for proc in needed):
        return None
    version = str(resources.get("version", english.get("version", "unknown")))
    return ModelSpec(
        name="stanza-en-official", version=version, source="official", resources_dir=resources_dir,
        pipeline_kwargs={"lang": "en", "dir": str(resources_dir), "processors": PROCESSORS},
    )


def _bundled_spec(bundled_dir: Path) -> ModelSpec:
    resources = json.loads((bundled_dir / "resources.json").read_text())
    meta = resources["compact_model"]
    files = {proc: str(bundled_dir / rel) for proc, rel in meta["files"].items()}
    missing = [path for path in files.values() if not Path(path).is_file()]
    if missing:
        raise FileNotFoundError(f"bundled model files missing: {missing}")
    kwargs = {
        "lang": "en",
        "dir": str(bundled_dir),
        "processors": {"tokenize": "pretokenized", "pos": "ewt_compact", "lemma": "ewt_compact",
                       "depparse": "ewt_compact"},
        "pos_model_path": files["pos"],
        "pos_pretrain_path": files["pretrain"],
        "lemma_model_path": files["lemma"],
        "depparse_model_path": files["depparse"],
        "depparse_pretrain_path": files["pretrain"],
        # The processors name every model; without this Stanza also looks for a "default"
        # package, which compact models have none of, and warns "Can not find package" at start.
        "package": None,
    }
    # MODEL_VERSION is what a retraining bumps; resources.json repeats it for Stanza's layout.
    version_file = bundled_dir / "MODEL_VERSION"
    version = version_file.read_text().strip() if version_file.is_file() else str(meta.get("version", "dev"))
    return ModelSpec(name=meta["name"], version=version, source="bundled",
                     resources_dir=bundled_dir, pipeline_kwargs=kwargs)


def resolve_models(official_dir: str | os.PathLike | None = None,
                   bundled_dir: str | os.PathLike | None = None) -> ModelSpec:
    """Pick official models when configured and present, else the bundled compact ones."""
    candidates = [official_dir, os.environ.get("STANZA_RESOURCES_DIR")]
    for candidate in candidates:
        if not candidate:
            continue
        spec = _official_spec(Path(candidate))
        if spec is not None:
            log.info("using official Stanza English models from %s (version %s)",
                     spec.resources_dir, spec.version)
            return spec
        log.info("no official Stanza English models in %s", candidate)
    spec = _bundled_spec(Path(bundled_dir) if bundled_dir else BUNDLED_DIR)
    log.info("using bundled models %s from %s", spec.label, spec.resources_dir)
    return spec


def download_official_models(resources_dir: str | os.PathLike) -> None:
    """Fetch Stanza's official English models (needs network access to Stanza's model hub)."""
    import stanza

    stanza.download("en", model_dir=str(resources_dir), processors=PROCESSORS)


def load_pipeline(spec: ModelSpec, *, use_gpu: bool = False, batch_tokens: int = 5000):
    """Build the Stanza pipeline for ``spec`` with no network access."""
    import stanza

    from service.nlp import fastpath

    pipeline = stanza.Pipeline(
        **spec.pipeline_kwargs,
        download_method=None,
        use_gpu=use_gpu,
        logging_level="WARN",
        # Tokens and sentences come from service.nlp.segmenter (news-aware rules).
        tokenize_pretokenized=True,
        pos_batch_size=batch_tokens,
        depparse_batch_size=batch_tokens,
        lemma_batch_size=batch_tokens,
    )
    # Same parses in well under half the time (service/nlp/fastpath).
    fastpath.install(pipeline, batch_tokens)
    return pipeline
