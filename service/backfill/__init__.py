"""Archive backfill: ``quotes batch`` runs every document of JSONL or Parquet files through the one
pipeline (``service.pipeline``, the server's code and defaults) and writes a Parquet dataset, one
row per document, on one process (``--engine local``) or on Ray Data (``--engine ray``).

- ``inputs.py``: JSONL and Parquet readers; a line or row that is no document is an error row.
- ``shards.py``: the work cut into shards (input file x a run of lines or rows) with stable ids,
  and the output folder: one Parquet file per shard, written atomically, a manifest, one
  completion record per shard (what ``--resume`` reads).
- ``rows.py``: an ``Attribution`` as one row, under an explicit pyarrow schema.
- ``worker.py``: one shard in, its Parquet file out (the part both engines share).
- ``engines.py``: local (this process) and Ray Data (an actor pool, one model copy per actor).
- ``job.py``: plan, skip completed shards, run an engine, write the summary.

No gRPC here: the rows carry the domain's values (``service.attribution.spans``), offsets in code
points. pyarrow (and ray for ``--engine ray``) come from the ``batch`` extra.
"""
