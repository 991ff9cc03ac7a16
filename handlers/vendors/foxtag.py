"""Foxtag.io public API (docs/vendors.md "Foxtag"): list bodies, 100 per POST, `with_errors` at 200.

`Authorization: Bearer <key>` and `Accept: application/json` on every request (else 406).
POST /<resource> upserts a list (with `id` updates, without creates); more than 100 objects
is a 422. Failures come back inside a 200: `status: with_errors` with `results[].success`.
"""
import re

from handlers.redact import excerpt
from handlers.vendors.client import VendorClient
from handlers.vendors.errors import VendorRejected

MAX_BATCH = 100  # "Too many elements in a single request." above this
RESOURCE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


def resource_path(resource):
    if not isinstance(resource, str) or not RESOURCE_PATTERN.match(resource):
        raise VendorRejected(f"foxtag: resource {resource!r} is not a resource name such as 'customers'")
    return f"/{resource}"


class FoxtagClient(VendorClient):
    vendor = "foxtag"
    credential_key = "FOXTAG_API_KEY"
    base_url_key = "FOXTAG_BASE_URL"
    no_content_ok = True
    default_headers = {"Accept": "application/json"}

    def auth_headers(self):
        return {"Authorization": f"Bearer {self.credential}"}

    def body_problem(self, prepared, answer):
        if prepared.method == "POST" and isinstance(prepared.json, list):
            data = answer.data
            if not isinstance(data, dict) or data.get("status") not in ("success", "with_errors"):
                return "the body is not an upsert answer (status success or with_errors)"
            results = data.get("results")
            if not isinstance(results, list) or len(results) != len(prepared.json):
                return f"the upsert answer holds {len(results) if isinstance(results, list) else 'no'} results for {len(prepared.json)} records"
        return None

    def upsert(self, resource, records):
        """POST /<resource> with a list of at most 100 records: create (no id) or update (id)."""
        if len(records) > MAX_BATCH:
            raise VendorRejected(f"foxtag: {len(records)} records in one request; at most {MAX_BATCH}")
        return self.call(self.prepare("POST", resource_path(resource), json=list(records)))

    def upsert_batches(self, resource, records, skip=()):
        """POST /<resource> in batches of at most 100, leaving out the indexes in `skip`.

        Records are checked at once; then each (indexes, answer) is sent as it is iterated
        (answer None while planning), so a caller can note each batch before the next.
        """
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise VendorRejected("foxtag: records must be a list of objects")
        pending = [i for i in range(len(records)) if i not in skip]
        batches = [pending[start:start + MAX_BATCH] for start in range(0, len(pending), MAX_BATCH)]
        return ((indexes, self.upsert(resource, [records[i] for i in indexes])) for indexes in batches)

    def record_failures(self, answer, records, indexes):
        """The with_errors results of one batch: [{index, id, message}] (no record bodies)."""
        failures = []
        for index, result in zip(indexes, answer.data["results"]):
            if not (isinstance(result, dict) and result.get("success") is True):
                result = result if isinstance(result, dict) else {}
                failures.append({
                    "index": index,
                    "id": result.get("id") or records[index].get("id"),
                    "message": excerpt(str(result.get("message") or "failed"), self.secrets(), 500),
                })
        return failures

    def delete(self, resource, uuid):
        """DELETE /<resource>/<uuid>."""
        return self.call(self.prepare("DELETE", f"{resource_path(resource)}/{uuid}"))

    def list_page(self, resource, page=1, **filters):
        """GET /<resource>?page=N: one page (up to 500 records) and its meta."""
        return self.call(self.prepare("GET", resource_path(resource), params={**filters, "page": page}))

    def iter_records(self, resource, **filters):
        """Every record of GET /<resource>, page by page until meta.total_pages."""
        page = 1
        while True:
            answer = self.list_page(resource, page, **filters)
            data = answer.data if isinstance(answer.data, dict) else {}
            for key, value in data.items():
                if key != "meta" and isinstance(value, list):
                    yield from value
                    break
            total_pages = (data.get("meta") or {}).get("total_pages") or 1
            if page >= int(total_pages):
                return
            page += 1
