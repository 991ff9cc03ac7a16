"""Content-Encoding: a gzip or deflate body decoded, never past the size limit.

zlib inflates with `max_length` (at most limit + 1 bytes out, whatever the ratio), so a
small body that would inflate to gigabytes costs at most the limit in memory before it
is refused with 413. One encoding at a time: a stacked list (`gzip, gzip`), `br`,
`compress` or any other name is 415 `unsupported_encoding`.
"""
import zlib

from handlers.inbound.errors import InvalidEncoding, PayloadTooLarge, UnsupportedEncoding

IDENTITY = ("", "identity")
GZIP_WBITS = 16 + zlib.MAX_WBITS  # the gzip wrapper only
ZLIB_WBITS = zlib.MAX_WBITS  # HTTP "deflate" is the zlib format (RFC 9110 8.4.1.2) ...
RAW_DEFLATE_WBITS = -zlib.MAX_WBITS  # ... which some senders send without its header
GZIP_MAGIC = b"\x1f\x8b"
SUPPORTED = "gzip, deflate"


def decode_body(raw_body, content_encoding, max_bytes):
    """The body with its Content-Encoding undone; at most max_bytes, else PayloadTooLarge."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in IDENTITY:
        return raw_body
    if encoding in ("gzip", "x-gzip"):
        return _gunzip(raw_body, max_bytes)
    if encoding == "deflate":
        wbits = ZLIB_WBITS if _looks_like_zlib(raw_body) else RAW_DEFLATE_WBITS
        decoded, rest = _inflate(raw_body, wbits, max_bytes, "deflate")
        if rest:
            raise InvalidEncoding("body is not valid deflate: data after the end of the stream")
        return decoded
    shown = encoding if len(encoding) <= 40 else encoding[:40] + "..."
    raise UnsupportedEncoding(f"content encoding {shown!r} is not supported; use {SUPPORTED} or none")


def _gunzip(raw_body, max_bytes):
    """Every gzip member in turn (a gzip file may hold several, concatenated)."""
    parts, rest, size = [], raw_body, 0
    while True:
        decoded, rest = _inflate(rest, GZIP_WBITS, max_bytes, "gzip", size)
        parts.append(decoded)
        size += len(decoded)
        if not rest:
            return b"".join(parts)
        if not rest.startswith(GZIP_MAGIC):
            raise InvalidEncoding("body is not valid gzip: data after the end of the stream")


def _inflate(data, wbits, max_bytes, name, before=0):
    """(decoded bytes, bytes after the end of the stream); PayloadTooLarge as soon as
    `before` (bytes decoded by earlier members) plus this stream's output is over max_bytes."""
    inflater = zlib.decompressobj(wbits)
    parts, size, limit = [], 0, max_bytes - before
    try:
        while True:
            chunk = inflater.decompress(data, limit + 1 - size)  # max_length is never 0 here
            parts.append(chunk)
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"body is over {max_bytes} bytes once decoded")
            data = inflater.unconsumed_tail
            if inflater.eof or (not data and not chunk):
                break
    except zlib.error as exc:
        raise InvalidEncoding(f"body is not valid {name}: {exc}") from None
    if not inflater.eof:
        raise InvalidEncoding(f"body is not valid {name}: the stream is truncated")
    return b"".join(parts), inflater.unused_data


def _looks_like_zlib(data):
    """A zlib header: method 8 (deflate) and a header checksum divisible by 31."""
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
