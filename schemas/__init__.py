"""Marshmallow schemas: vendor payloads keep unknown fields, our own config rejects them."""
