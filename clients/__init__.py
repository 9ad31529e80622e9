"""Clients of quotes.v1.QuoteService: a typed Python client, the `quotes` CLI, evaluation."""
