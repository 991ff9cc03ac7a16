"""Secrets never reach a stored attempt: excerpts and error messages are scrubbed and cut."""
from handlers.redact import EXCERPT_MAX_BYTES, arg_secrets, config_secrets, excerpt, scrub_text as scrub

CONFIG = {
    "FOXOMS_API_TOKEN": "fox-secret-123",
    "ITGLUE_API_KEY": "itg-key-456",
    "ADMIN_TOKEN": None,
    "REDIS_URL": "redis://:redis-pass-789@localhost:6379/0",
    "PUBLIC_BASE_URL": "http://localhost:5000",
}


def test_configured_credentials_are_removed():
    text = "echo: fox-secret-123 and itg-key-456 and redis-pass-789"
    cleaned = scrub(text, config_secrets(CONFIG))
    assert "fox-secret-123" not in cleaned and "itg-key-456" not in cleaned and "redis-pass-789" not in cleaned
    assert cleaned.count("[redacted]") == 3


def test_secret_shapes_are_removed_even_when_not_configured():
    text = 'GET /v1/booking?access_token=abc123&id=4 Authorization: Bearer qwerty {"api_key": "zz9"}'
    cleaned = scrub(text, [])
    assert "abc123" not in cleaned and "qwerty" not in cleaned and "zz9" not in cleaned
    assert "id=4" in cleaned


def test_secrets_in_args_headers_and_signing_secret():
    args = {"url": "https://x", "headers": {"Authorization": "Basic dXNlcjpw", "X-Other": "keep"},
            "sign": "whsec_abcdef"}
    assert set(arg_secrets(args)) == {"Basic dXNlcjpw", "whsec_abcdef"}


def test_excerpt_is_cut_to_2_kb_after_scrubbing():
    secret = "s" * 10 + "TAIL"
    text = "x" * (EXCERPT_MAX_BYTES - 5) + secret
    cut = excerpt(text, [secret])
    assert len(cut.encode()) <= EXCERPT_MAX_BYTES
    assert "sssss" not in cut


def test_excerpt_never_splits_a_character():
    cut = excerpt("é" * 3000, [])
    assert len(cut.encode()) <= EXCERPT_MAX_BYTES
    assert set(cut) == {"é"}


def test_bytes_and_none_become_text():
    assert excerpt(b'{"ok": true}', []) == '{"ok": true}'
    assert excerpt(None, []) == ""
