"""FoxOMS REST API v1 (docs/vendors.md "FoxOMS"): one record per write, `?id=` addressing.

Auth `Authorization: Bearer <token>`; writes answer `{"status":{"success":true,"id":"20189"}}`
(id a string, an int on some deletes, or absent); lists page with `page`/`limit` into
`meta.pagination` whose `links.next` is a page number.
"""
from handlers.vendors.client import VendorClient, numeric_id
from handlers.vendors.errors import VendorRejected

WRITABLE_MODULES = (
    "booking", "project", "invoice", "quote", "workorder", "billableitem", "invoicetemplate",
    "resource", "schedule", "people", "organization", "status", "ratescheme", "resthook",
)
READ_ONLY_MODULES = ("contact", "group", "customfield", "account")
PAGE_LIMIT = 100  # no maximum is documented; the default is 10


def record_id(value):
    """FoxOMS ids are integers that sometimes arrive as strings: '20189' or 20189 -> '20189'."""
    return numeric_id(value, "foxoms")


def writable_module(module):
    if module not in WRITABLE_MODULES:
        raise VendorRejected(f"foxoms: {module!r} is not a module that accepts writes ({', '.join(WRITABLE_MODULES)})")
    return module


class FoxOMSClient(VendorClient):
    vendor = "foxoms"
    credential_key = "FOXOMS_API_TOKEN"
    base_url_key = "FOXOMS_BASE_URL"
    default_headers = {"Accept": "application/json"}

    def auth_headers(self):
        return {"Authorization": f"Bearer {self.credential}"}

    def body_problem(self, prepared, answer):
        if not isinstance(answer.data, dict):
            return "the body is not a JSON object"
        if prepared.method == "GET":
            return None if isinstance(answer.data.get("data"), list) else "the body has no data list"
        status = answer.data.get("status")
        if not isinstance(status, dict) or status.get("success") is not True:
            return f"the status object does not say success: {status!r}"[:300]
        return None

    def describe_error(self, answer):
        data = answer.data
        if isinstance(data, dict) and isinstance(data.get("status"), dict):
            status = data["status"]
            return str(status.get("message") or status.get("error") or status)
        return super().describe_error(answer)

    # one method per remote operation ------------------------------------------
    def create(self, module, fields):
        """POST /<module>: create one record; returns the answer (status.id is the new id)."""
        if not isinstance(fields, dict):
            raise VendorRejected("foxoms: fields must be one record (a JSON object): one record per request")
        return self.call(self.prepare("POST", f"/{writable_module(module)}", json=fields))

    def update(self, module, id, fields):
        """PUT /<module>?id=<id>: update one record."""
        if not isinstance(fields, dict):
            raise VendorRejected("foxoms: fields must be one record (a JSON object): one record per request")
        return self.call(self.prepare("PUT", f"/{writable_module(module)}", params={"id": record_id(id)}, json=fields))

    def delete(self, module, id):
        """DELETE /<module>?id=<id>: delete one record (permanent)."""
        return self.call(self.prepare("DELETE", f"/{writable_module(module)}", params={"id": record_id(id)}))

    def list_page(self, module, page=1, limit=PAGE_LIMIT, **filters):
        """GET /<module>?page=&limit=&<filters>: one page of records."""
        return self.call(self.prepare("GET", f"/{module}", params={**filters, "page": page, "limit": limit}))

    def iter_records(self, module, limit=PAGE_LIMIT, **filters):
        """Every record of GET /<module>, following meta.pagination page by page."""
        page = 1
        while True:
            answer = self.list_page(module, page=page, limit=limit, **filters)
            yield from answer.data["data"]
            pagination = (answer.data.get("meta") or {}).get("pagination") or {}
            links = pagination.get("links")
            next_page = links.get("next") if isinstance(links, dict) else None
            if next_page is None and pagination.get("current_page", page) < pagination.get("total_pages", 0):
                next_page = pagination["current_page"] + 1
            if not next_page or int(next_page) <= page:
                return
            page = int(next_page)

    def list_resthooks(self, **filters):
        """GET /resthook: every active rest hook subscription."""
        return list(self.iter_records("resthook", **filters))

    def create_resthook(self, event_name, target_url):
        """POST /resthook {event_name, target_url}: subscribe; returns the new hook id (str)."""
        answer = self.create("resthook", {"event_name": event_name, "target_url": target_url})
        return str(answer.data["status"]["id"])

    def update_resthook(self, id, **attributes):
        """PUT /resthook?id=<id>: change a subscription."""
        return self.update("resthook", id, attributes)

    def delete_resthook(self, id):
        """DELETE /resthook?id=<id>: unsubscribe."""
        return self.delete("resthook", id)


def status_id(answer):
    """The id in a write answer as a string ('20189', 454 -> '454'), or None when absent."""
    value = answer.data["status"].get("id")
    return None if value is None else str(value)
