# syntax=docker/dockerfile:1
# quote-attribution gRPC service, CPU only.
#   docker build -t quote-attribution-service .
#   docker run --rm -p 50051:50051 -p 9464:9464 quote-attribution-service
# The backfill image (`quotes batch` on a KubeRay cluster, deploy/batch): the same package and
# models plus the batch-cluster extra (Ray, pyarrow); the server image above does not carry them.
#   docker build --target batch -t quote-attribution-service:0.1.0-batch .
ARG PYTHON_IMAGE=python:3.11-slim

# --- build: a venv holding torch (CPU wheel) and the package -------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Step 1: torch alone, pinned, from the CPU wheel index (PyPI's Linux torch is the CUDA build and
# drags in GBs of nvidia-* wheels). Its own layer, so code changes do not re-download it.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY requirements.txt /src/requirements.txt
RUN pip install --index-url "${TORCH_INDEX_URL}" -r /src/requirements.txt \
 && python -c "import torch; assert not torch.cuda.is_available() and '+cpu' in torch.__version__, torch.__version__"

# Step 2: the package (not editable; the bundled models go in as package data). torch==2.13.0 is
# already satisfied by 2.13.0+cpu, so nothing else is fetched for it.
COPY pyproject.toml README.md /src/
COPY service /src/service
COPY clients /src/clients
COPY generated /src/generated
RUN pip install /src \
 && python -c "import torch; assert '+cpu' in torch.__version__, 'torch was replaced: ' + torch.__version__" \
 && pip check

# --- build-batch: the same venv plus the batch-cluster extra ------------------------------------
FROM build AS build-batch
RUN pip install "/src[batch-cluster]" \
 && python -c "import torch; assert '+cpu' in torch.__version__, 'torch was replaced: ' + torch.__version__" \
 && pip check

# --- runtime base: the user both images run as ---------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime-base
RUN groupadd --system --gid 10001 quotes \
 && useradd --system --uid 10001 --gid quotes --home-dir /home/quotes --create-home \
      --shell /usr/sbin/nologin quotes

# --- batch: Ray head and workers for `quotes batch --engine ray` (docker build --target batch) ----
FROM runtime-base AS batch
# KubeRay's default probes on Ray pods run wget; Debian's current package, as the base image.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends wget \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build-batch /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    RAY_USAGE_STATS_ENABLED=0
USER 10001:10001
WORKDIR /home/quotes
CMD ["quotes", "batch", "--help"]

# --- runtime (the default target: the server) ----------------------------------------------------
FROM runtime-base
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    QUOTES_HOST=0.0.0.0 \
    QUOTES_PORT=50051 \
    QUOTES_METRICS_PORT=9464 \
    QUOTES_TORCH_THREADS=1 \
    QUOTES_PARALLEL_BATCHES=2 \
    QUOTES_LOG_FORMAT=json
USER 10001:10001
WORKDIR /home/quotes
EXPOSE 50051 9464
# Health reports NOT_SERVING until the models have loaded: give start-up a minute before failures count.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["sh", "-c", "quotes health --target localhost:${QUOTES_PORT:-50051} || exit 1"]
# Exec form: the server is PID 1 and gets SIGTERM itself (it drains in-flight RPCs on SIGTERM).
CMD ["quotes-server"]
