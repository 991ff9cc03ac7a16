"""Inbound webhooks: find the source, verify, validate, store and enqueue in one step."""
