"""Why an admin request was refused; the app's one error handler renders them as JSON."""
from handlers.errors import ServiceError


class InvalidQuery(ServiceError):
    """A query parameter or body field is malformed (`fields` names which and why)."""

    status = 422
    code = "invalid_query"


class InvalidCursor(InvalidQuery):
    """`cursor` is not one this API returned (its own code: a client should start over)."""

    code = "invalid_cursor"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class DeliveryInFlight(ServiceError):
    """A worker holds the delivery right now; replaying it would send it twice at once."""

    status = 409
    code = "delivery_in_flight"


class NotRenderable(ServiceError):
    """The delivery died rendering its templates and still cannot be rendered."""

    status = 409
    code = "not_renderable"
