"""Why an inbound request was refused: one exception per answer, one HTTP status each.

They are handlers.errors.ServiceError subclasses, so the app's one error handler turns
them into {"error": {"code", "message", "fields"?}}. Messages never quote a token,
a secret or a signature. Two more answers are shared with other callers and live in
handlers/errors.py: InvalidJSON (400) and RulesUnavailable (503).
"""
from handlers.errors import ServiceError


class InvalidEncoding(ServiceError):
    """The body does not decode with its Content-Encoding (corrupt or truncated)."""

    status = 400
    code = "invalid_encoding"


class InvalidForm(ServiceError):
    status = 400
    code = "invalid_form"


class WebhookVerificationError(ServiceError):
    status = 401
    code = "unauthorized"


class UnknownSource(ServiceError):
    status = 404
    code = "unknown_source"


class SourceDisabled(ServiceError):
    status = 410
    code = "source_disabled"


class PayloadTooLarge(ServiceError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ServiceError):
    status = 415
    code = "unsupported_media_type"


class UnsupportedEncoding(ServiceError):
    status = 415
    code = "unsupported_encoding"


class InvalidPayload(ServiceError):
    status = 422
    code = "invalid_payload"
