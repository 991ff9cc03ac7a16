"""The errors every vendor client raises: `VendorError` (method, URL, status, body excerpt,
request id) and its retryable and permanent subclasses, named for what happened."""


class VendorError(Exception):
    """A vendor call failed: method, URL, status (None without an answer) and body excerpt."""

    retryable = False

    def __init__(self, message, *, method="", url="", status=None, body="", request_id=None, retry_after=None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.request_id = request_id
        self.retry_after = retry_after  # seconds, from Retry-After, when the vendor gave one

    @property
    def error_class(self):
        return type(self).__name__

    def __str__(self):
        where = f"{self.method} {self.url}".strip()
        status = f" -> {self.status}" if self.status is not None else ""
        return f"{where}{status}: {self.message}" if where else self.message


class RetryableVendorError(VendorError):
    """Timeouts, connection errors, 408, 425, 429, 500, 502, 503, 504: try again later."""

    retryable = True


class PermanentVendorError(VendorError):
    """Other 4xx and 5xx, 410, and answers that break the vendor's documented contract."""

    retryable = False


# What happened, by name (each a RetryableVendorError or PermanentVendorError, except
# VendorContractError whose `retryable` depends on the method; see its docstring).
class VendorTimeout(RetryableVendorError):
    """No answer within the timeout (or the vendor answered 408)."""


class VendorConnectionError(RetryableVendorError):
    """The connection could not be made or broke."""


class VendorRateLimited(RetryableVendorError):
    """429: the vendor's rate limit; `retry_after` holds its Retry-After, when given."""


class VendorUnavailable(RetryableVendorError):
    """425, 500, 502, 503 or 504: the vendor cannot take the call now."""


class VendorAuthError(PermanentVendorError):
    """401 or 403: the credential is missing, wrong or lacks the right."""


class VendorRejected(PermanentVendorError):
    """Any other 4xx or 5xx (including 404, 409, 410, 422, 501, 505), a redirect, or a refused call."""


class VendorContractError(VendorError):
    """A 2xx answer that is not what the vendor documents (HTML, empty, malformed JSON).

    Retryable unless the call was a POST: those answers mostly come from proxies and pass,
    but resending a create whose outcome we cannot read may create a duplicate record,
    so a POST goes to the dead letters, where an operator can look and replay it.
    """

    def __init__(self, message, *, retryable=True, **kwargs):
        super().__init__(message, **kwargs)
        self.retryable = retryable
