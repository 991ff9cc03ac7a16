"""application/x-www-form-urlencoded bodies (what "Webhooks by Zapier" POSTs by default).

Every value is a string. A repeated key becomes a list of its values, in order; a key
whose declared type is `list` is always a list (one value or several). Blank values are
kept (`a=` is `{"a": ""}`).
"""
from urllib.parse import parse_qsl

from handlers.inbound.errors import InvalidForm

MAX_FORM_FIELDS = 1000


def parse_form(raw_body, list_fields=()):
    """The form as a dict of str (or list of str), or InvalidForm."""
    try:
        text = raw_body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                          max_num_fields=MAX_FORM_FIELDS)
    except UnicodeDecodeError:
        raise InvalidForm("form body is not UTF-8 (also once percent-decoded)") from None
    except ValueError:
        raise InvalidForm(f"form body has more than {MAX_FORM_FIELDS} fields") from None
    form = {}
    for name, value in pairs:
        held = form.get(name)
        if isinstance(held, list):
            held.append(value)
        elif name in form:
            form[name] = [held, value]
        else:
            form[name] = [value] if name in list_fields else value
    return form
