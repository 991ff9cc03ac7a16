"""FoxOMS record families (docs/vendors.md "FoxOMS"), for validating rest-hook deliveries.

Each family's schema requires `id` and checks the documented type of every attribute
it knows; unknown attributes are kept (INCLUDE), null is accepted for any attribute but
`id`. Types: int, str, bool, dec (decimal string), ts (UNIX int), rec ([1] or []).
"""
from marshmallow import INCLUDE, Schema

from schemas.json_types import FoxBool, FoxDecimal, FoxId, FoxInt, FoxRecords, StrictString

TYPES = {"int": FoxInt, "ts": FoxInt, "str": StrictString, "bool": FoxBool, "dec": FoxDecimal, "rec": FoxRecords}

COMMON = "created_id int, created ts, updated_id int, updated ts"
BILLING = (
    "prefix str, number int, type_id int, date ts, date_iso str, due_date ts, due_date_iso str,"
    " status_id int, status rec, booking_id int, project rec, client rec, items rec, custom_fields rec,"
    " sub_total dec, discount_total dec, tax_total dec, total dec, template_id int, currency str,"
    " tax_rate dec, cloned_id int"
)
CONTACT_DETAILS = (
    "email_1 str, email_2 str, email_3 str, phone_1 str, phone_2 str, phone_3 str,"
    " address_line_1 str, address_line_2 str, address_line_3 str, address_city str,"
    " address_state str, address_postcode str, address_country str, website str, notes str"
)

FAMILIES = {
    "booking": "name str, start ts, end ts, start_date_time str, end_date_time str,"
    " start_date_time_iso str, end_date_time_iso str, duration_min int, all_day bool, notes str,"
    " repeat_master bool, repeat_master_id int, repeat_rule str, project rec, client rec, status rec,"
    " resources rec, custom_fields rec, files rec, quotes rec, invoices rec, workorders rec,"
    " lock_created_id int, lock_created_name str, lock_expire_date ts, created_name str,"
    " updated_name str, deleted bool",
    "project": "name str, code str, description str, status_id int, status rec, start ts, end ts,"
    " private bool, parent_folder_id int, is_folder bool, order int, color_background str,"
    " color_text str, client_person_id int, client_organization_id int, client rec, people rec,"
    " custom_fields rec, files rec, feed str",
    "invoice": BILLING,
    "quote": BILLING,
    "workorder": BILLING,
    "billableitem": "name str, description str, unit_name str, cost dec, default_tax bool, order int,"
    " custom_fields rec",
    "invoicetemplate": "name str, description str, type_id int, default bool, title str, logo rec",
    "resource": "name str, description str, schedules rec, type_id int, type_person_id int,"
    " parent_id int, order int, feed str, icon rec, color_background str, color_text str, deleted int",
    "schedule": "name str, description str, resources rec, access rec, feed str, order int,"
    " sunday_start bool, working_week int, first_hour int, last_hour int, scroll_hour int,"
    " time_step_min int, fill_cell bool, country_region str, show_public_holiday bool",
    "contact": "name str, type str, client bool, " + CONTACT_DETAILS,
    "people": "name str, first_name str, last_name str, username str, primary_email str, user bool,"
    " resource bool, resource_id int, client bool, schedules rec, group_id int, group rec,"
    " organization_id int, organization rec, timezone str, locale str, date_format str,"
    " time_format str, notifications bool, avatar_file_id int, expires ts,"
    " schedule_view_mode int, sso_login bool, custom_fields rec, deleted bool, " + CONTACT_DETAILS,
    "group": "name str, description str, members rec, acl_schedule str, acl_project str,"
    " acl_task str, acl_finance str, acl_admin str, acl_account str",
    "organization": "name str, client bool, custom_fields rec, " + CONTACT_DETAILS,
    "status": "name str, description str, type_id int, notification int, order int,"
    " color_background str, color_text str",
    "customfield": "name str, description str, type str, options rec, module str, order int,"
    " required bool",
    "ratescheme": "name str, type_id int, description str, booking_description_template str,"
    " resources rec, clients rec, projects rec, custom_field_options rec, hour_rate str,"
    " hour_rate_percent bool, day_rate str, day_rate_percent bool, fixed_date bool, date_start str,"
    " date_end str, time_start str, time_end str, overtime_hours str, override_base bool,"
    " default_unit int, default_tax bool",
    "account": "active bool, package rec, total_users int, total_resources int,"
    " total_schedules int, this_user rec",
    "resthook": "event_name str, target_url str, triggered_count int, last_triggered ts",
}

# Other spellings of a family at the start of an event name (lower-cased, no `_`).
ALIASES = {"person": "people", "persons": "people", "organisation": "organization", "template": "invoicetemplate"}


class FoxRecordSchema(Schema):
    """Any FoxOMS record: a JSON object with an `id`; other attributes are kept."""

    class Meta:
        unknown = INCLUDE

    id = FoxId(required=True)


def _schema_class(family, spec):
    attributes = {}
    for item in f"{spec}, {COMMON}".split(","):
        name, kind = item.split()
        attributes[name] = TYPES[kind](allow_none=True)
    class_name = family.capitalize() + "Schema"
    return type(class_name, (FoxRecordSchema,), attributes)


SCHEMAS = {family: _schema_class(family, spec)() for family, spec in FAMILIES.items()}
GENERIC_SCHEMA = FoxRecordSchema()
_PREFIXES = sorted(list(FAMILIES) + list(ALIASES), key=len, reverse=True)


def family_of(event_name):
    """`bookingCreated` -> "booking", `workOrderUpdated` -> "workorder"; None if unknown."""
    flat = event_name.lower().replace("_", "").replace("-", "").replace(".", "")
    for prefix in _PREFIXES:
        if flat.startswith(prefix):
            return ALIASES.get(prefix, prefix)
    return None


def schema_for_event(event_name):
    """The schema for the record an event carries: its family's, else just `id`."""
    return SCHEMAS.get(family_of(event_name), GENERIC_SCHEMA)
