"""A time bound in a query (`since`, `until`): ISO 8601 or epoch seconds -> epoch seconds."""
import math
from datetime import datetime, timezone

from marshmallow import ValidationError, fields


class Moment(fields.Field):
    """A time bound: ISO 8601 (no zone = UTC) or epoch seconds, loaded as epoch seconds."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is not None:
            if not math.isfinite(number):
                raise ValidationError("not a time: epoch seconds must be a finite number")
            return number
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationError("not a time: use ISO 8601 (e.g. 2026-12-01T08:30:00Z) or epoch seconds") from exc
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()
