"""Newest-first pages over a Redis sorted set (time -> id) with an opaque cursor.

A cursor is the position of the last item a page showed: url-safe base64 of
"<score>:<member>". Equal scores are ordered by member (Redis returns them in reverse
lexical order when walking backwards), so a page never repeats or skips an item even
when many share one timestamp, and items added later (newer) never shift a walk.

Only a cursor this module made decodes: the exact text encode_cursor gives, a finite score
of zero or more (the indexes hold epoch seconds) and, where the caller says what the index
holds, a member of that shape. Anything else is BadCursor, so no NaN, infinity or
stray text ever reaches Redis as a score.
"""
import base64
import binascii
import math
from itertools import islice

CHUNK_SIZE = 200
MAX_SCANNED = 10_000  # index entries one filtered page may examine before it answers


class BadCursor(ValueError):
    pass


def encode_cursor(score, member):
    text = f"{float(score)!r}:{member}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor, member_shape=None):
    """(score, member) from a cursor; BadCursor if it is not one of ours.

    member_shape: a compiled pattern the member must match in full (the index's ids)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
        score_text, member = text.split(":", 1)
        score = float(score_text)
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise BadCursor("not a cursor returned by this API") from exc
    if (not math.isfinite(score) or score < 0 or encode_cursor(score, member) != cursor
            or (member_shape is not None and member_shape.fullmatch(member) is None)):
        raise BadCursor("not a cursor returned by this API")
    return score, member


def iter_newest_first(redis_client, index_key, after=None, chunk_size=CHUNK_SIZE, since=None, until=None):
    """Yield (member, score) from the newest down, strictly after the `after` position,
    with since <= score <= until when given."""
    max_score = "+inf" if until is None else repr(float(until))
    if after is not None and (until is None or after[0] < float(until)):
        max_score = repr(after[0])
    min_score = "-inf" if since is None else repr(float(since))
    pinned = after is not None
    offset = 0
    while True:
        rows = redis_client.zrevrangebyscore(
            index_key, max_score, min_score, start=offset, num=chunk_size, withscores=True
        )
        if not rows:
            return
        if not pinned:
            pinned = True
            # Pin the walk at the newest item so later arrivals cannot shift the offsets.
            max_score = repr(rows[0][1])
        offset += len(rows)
        for member, score in rows:
            if after is not None and score == after[0] and member >= after[1]:
                continue
            yield member, score


def page(redis_client, index_key, load, keep, limit, after=None, max_scanned=MAX_SCANNED, since=None, until=None):
    """Up to `limit` records, newest first, and the cursor of the next page (None at the end).

    load(rows) turns a chunk of (member, score) rows into records (None for a member whose
    record is gone); keep(record) filters. A filtered page that has examined `max_scanned`
    entries answers with what it found and a cursor to continue from, so a rare filter
    never makes one request walk the whole index.
    """
    found = []
    scanned = 0
    walk = iter_newest_first(redis_client, index_key, after, since=since, until=until)
    while True:
        rows = list(islice(walk, CHUNK_SIZE))
        if not rows:
            return [record for record, _ in found], None
        for (member, score), record in zip(rows, load(rows)):
            scanned += 1
            if record is not None and keep(record):
                found.append((record, (score, member)))
                if len(found) > limit:
                    return [record for record, _ in found[:limit]], encode_cursor(*found[limit - 1][1])
            if scanned >= max_scanned:
                return [record for record, _ in found], encode_cursor(score, member)
