"""Developer tools behind one command, ``quotes-dev``: benchmarks, evaluation, generators.

They work on a checkout (editable install): defaults point at the repository's files and at
``../shared`` beside it.
"""
