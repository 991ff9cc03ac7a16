"""`Authorization: Bearer <token>`, read in one place: the admin API, /metrics and the
inbound hooks all take the token this way."""
import hmac


def bearer_token(authorization):
    """The token of an Authorization header value `Bearer <token>` (the scheme in any case,
    the token without surrounding spaces); None for another scheme, no token or no header."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def bearer_matches(authorization, expected):
    """Whether the header carries the bearer token `expected` (compared in constant time)."""
    token = bearer_token(authorization)
    return token is not None and hmac.compare_digest(token.encode(), expected.encode())
