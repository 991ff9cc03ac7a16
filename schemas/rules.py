"""The routes.yaml file: `sources:`, `routes:` and `alerts:` (docs/routes.md).

Our own configuration, so unknown keys are errors (marshmallow's default RAISE).
"""
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from schemas.incoming import build_schema

BODY_FORMATS = ("json", "form")
INCOMING_ONLY_KEYS = ("event_field", "fields", "formats", "lenient_types", "batch")
FIELD_TYPES = ("string", "integer", "number", "boolean", "email", "url", "datetime", "list", "object")
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class FieldSpecSchema(Schema):
    """One field of an incoming hook's `fields:` contract."""

    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(load_default=False)
    min = fields.Float()
    max = fields.Float()
    choices = fields.List(fields.Raw(), validate=validate.Length(min=1))
    pattern = fields.String()
    of = fields.String(validate=validate.OneOf(FIELD_TYPES))

    @validates_schema
    def check_options(self, data, **kwargs):
        if "of" in data and data["type"] != "list":
            raise ValidationError("only a list field takes `of`", "of")
        if "pattern" in data:
            import re

            try:
                re.compile(data["pattern"])
            except re.error as exc:
                raise ValidationError(f"not a regular expression: {exc}", "pattern")


class SourceSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(("foxoms", "incoming")))
    tokens = fields.List(
        fields.String(validate=validate.Length(min=1)),
        required=True,
        validate=validate.Length(min=1),
    )
    signing_secret = fields.String(validate=validate.Length(min=1))
    events = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
    event_field = fields.String(validate=validate.Length(min=1))
    disabled = fields.Boolean(load_default=False)
    formats = fields.List(
        fields.String(validate=validate.OneOf(BODY_FORMATS)),
        load_default=lambda: ["json"],
        validate=validate.Length(min=1),
    )
    lenient_types = fields.Boolean(load_default=False)
    batch = fields.Boolean(load_default=False)
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(validate=validate.Length(min=1)),
        values=fields.Nested(FieldSpecSchema),
    )
    description = fields.String()

    @validates_schema(pass_original=True)
    def check_type_specific(self, data, original_data, **kwargs):
        if data["type"] == "foxoms":  # FoxOMS posts one JSON record per delivery
            for key in INCOMING_ONLY_KEYS:
                if key in original_data:
                    raise ValidationError("only an incoming source takes this key", key)

    @post_load
    def add_payload_schemas(self, data, **kwargs):
        """An incoming source's `fields:` contract as schemas, built once at load:
        "strict" for JSON bodies, "lenient" for form bodies and `lenient_types: true`."""
        if data["type"] == "incoming":
            specs = data.get("fields_")
            data["payload_schemas"] = {"strict": build_schema(specs), "lenient": build_schema(specs, lenient=True)}
        return data


class ActionSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(ID_PATTERN))
    call = fields.String(required=True)
    args = fields.Dict(keys=fields.String(), load_default=dict)
    description = fields.String()


class RouteSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(ID_PATTERN))
    source = fields.String(required=True)
    events = fields.List(fields.String(validate=validate.Length(min=1)), load_default=lambda: ["*"])
    filter = fields.Dict(keys=fields.String(), load_default=dict)
    actions = fields.List(fields.Nested(ActionSchema), required=True, validate=validate.Length(min=1))
    description = fields.String()


# What an alert may listen to (handlers/alerts/signals.py emits them).
ALERT_SIGNALS = ("dead_letter", "vendor_failing", "breaker_open", "breaker_closed", "backlog")
UNKNOWN_SIGNAL = "unknown signal {input!r} (one of: {choices})"


class AlertSchema(Schema):
    """One entry of `alerts:`; `throttle` ("15 minutes") is parsed by handlers.alerts.throttle."""

    id = fields.String(required=True, validate=validate.Regexp(ID_PATTERN))
    on = fields.List(fields.String(validate=validate.OneOf(ALERT_SIGNALS, error=UNKNOWN_SIGNAL)),
                     required=True, validate=validate.Length(min=1))
    vendors = fields.List(fields.String(validate=validate.Length(min=1)))
    routes = fields.List(fields.String(validate=validate.Length(min=1)))
    throttle = fields.String()
    call = fields.String(required=True)
    args = fields.Dict(keys=fields.String(), load_default=dict)
    description = fields.String()

    @pre_load
    def yaml_on_key(self, data, **kwargs):
        """YAML 1.1 (PyYAML) reads the key `on` as the boolean true: take it back."""
        if isinstance(data, dict) and True in data and "on" not in data:
            data = {("on" if name is True else name): value for name, value in data.items()}
        return data


class RulesFileSchema(Schema):
    sources = fields.Dict(
        keys=fields.String(validate=validate.Regexp(ID_PATTERN)),
        values=fields.Nested(SourceSchema),
        required=True,
    )
    routes = fields.List(fields.Nested(RouteSchema), load_default=list)
    alerts = fields.List(fields.Nested(AlertSchema), load_default=list)


rules_file_schema = RulesFileSchema()
