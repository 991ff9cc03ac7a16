"""IT Glue API (docs/vendors.md "IT Glue"): JSON:API bodies, `x-api-key`, nested organization routes.

Bodies are `{"data": {"type": <kebab-case type>, "attributes": {...}}}` sent as
`application/vnd.api+json`; the target id goes in the URL, never in `data.id`. With an
`organization_id` the call uses `/organizations/<id>/relationships/<type>[/<id>]`.
"""
import re

from handlers.vendors.client import VendorClient, numeric_id
from handlers.vendors.errors import VendorRejected

MAX_PAGE_SIZE = 1000  # "The maximum number of page results that can be requested is 1000"
TYPE_PATTERN = re.compile(r"^[a-z][a-z_-]*$")


def resource_path(type_name):
    """'flexible-assets' or 'flexible_assets' -> 'flexible_assets' (the URL segment)."""
    if not isinstance(type_name, str) or not TYPE_PATTERN.match(type_name):
        raise VendorRejected(f"itglue: type {type_name!r} is not a resource name such as 'configurations'")
    return type_name.replace("-", "_")


def json_api_type(type_name):
    """The `data.type` value, kebab-case as in the documented examples ('flexible-assets')."""
    return resource_path(type_name).replace("_", "-")


class ITGlueClient(VendorClient):
    vendor = "itglue"
    credential_key = "ITGLUE_API_KEY"
    base_url_key = "ITGLUE_BASE_URL"
    no_content_ok = True
    json_content_type = "application/vnd.api+json"

    def auth_headers(self):
        return {"x-api-key": self.credential}

    def body_problem(self, prepared, answer):
        if not isinstance(answer.data, dict) or "data" not in answer.data:
            return "the body is not a JSON:API document with data"
        return None

    def describe_error(self, answer):
        errors = answer.data.get("errors") if isinstance(answer.data, dict) else None
        if isinstance(errors, list) and errors:
            parts = []
            for error in errors[:5]:
                if isinstance(error, dict):
                    parts.append(": ".join(str(error[k]) for k in ("title", "detail") if error.get(k)) or str(error))
                else:
                    parts.append(str(error))
            return "; ".join(parts)
        return super().describe_error(answer)

    def path_for(self, type_name, organization_id=None, id=None):
        path = f"/{resource_path(type_name)}"
        if organization_id is not None and resource_path(type_name) != "organizations":
            path = f"/organizations/{numeric_id(organization_id, 'itglue')}/relationships{path}"
        return path if id is None else f"{path}/{numeric_id(id, 'itglue')}"

    @staticmethod
    def document(type_name, attributes):
        if not isinstance(attributes, dict):
            raise VendorRejected("itglue: attributes must be an object")
        return {"data": {"type": json_api_type(type_name), "attributes": attributes}}

    def create(self, type, attributes, organization_id=None):
        """POST /<type>, or POST /organizations/<oid>/relationships/<type>: create one resource."""
        return self.call(self.prepare("POST", self.path_for(type, organization_id), json=self.document(type, attributes)))

    def update(self, type, id, attributes, organization_id=None):
        """PATCH /<type>/<id>, or the nested route: update the attributes given (others unchanged)."""
        return self.call(self.prepare("PATCH", self.path_for(type, organization_id, id), json=self.document(type, attributes)))

    def list_page(self, type_name, page=1, page_size=MAX_PAGE_SIZE, organization_id=None, **params):
        """GET /<type>?page[number]=&page[size]=: one page."""
        size = min(int(page_size), MAX_PAGE_SIZE)
        query = {**params, "page[number]": page, "page[size]": size}
        return self.call(self.prepare("GET", self.path_for(type_name, organization_id), params=query))

    def iter_records(self, type_name, page_size=MAX_PAGE_SIZE, organization_id=None, **params):
        """Every resource of GET /<type>: follows meta next-page, else stops at a short page."""
        page, size = 1, min(int(page_size), MAX_PAGE_SIZE)
        while True:
            answer = self.list_page(type_name, page, size, organization_id, **params)
            items = answer.data.get("data") or []
            yield from items
            meta = answer.data.get("meta") or {}
            next_page = meta.get("next-page")
            if next_page is None and "next-page" not in meta:
                next_page = page + 1 if len(items) >= size else None
            if not next_page or int(next_page) <= page:
                return
            page = int(next_page)


def created_id(answer):
    data = answer.data.get("data") if isinstance(answer.data, dict) else None
    return str(data["id"]) if isinstance(data, dict) and data.get("id") is not None else None
