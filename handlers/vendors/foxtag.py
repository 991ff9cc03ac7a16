"""Foxtag.io public API (docs/vendors.md "Foxtag"): list bodies, 100 per POST, `with_errors` at 200.

`Authorization: Bearer <key>` and `Accept: application/json` on every request (else 406).
POST /<resource> upserts a list (with `id` updates, without creates); more than 100 objects
is a 422. Failures come back inside a 200: `status: with_errors` with `results[].success`.
"""
import re

from handlers.actions import ActionResult, ClientAction, RequestAction, register
from handlers.vendors.base import VendorRejected
from handlers.vendors.client import VendorClient, excerpt

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
    default_headers = {"Accept": "application/json"}

    def auth_headers(self):
        return {"Authorization": f"Bearer {self.credential}"}

    def contract_problem(self, prepared, answer):
        if answer.status == 204 and not answer.text:
            return None
        problem = super().contract_problem(prepared, answer)
        if problem:
            return problem
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


@register
class FoxtagUpsert(ClientAction):
    """Batches of at most 100; progress in state so a retry sends only unsent records.

    state["foxtag_sent"]: indexes of records whose batch the vendor answered (success or
    with_errors); state["record_failures"]: the with_errors results so far.
    """

    name = "foxtag.upsert"
    vendor = "foxtag"
    required = ("resource", "records")
    client_class = FoxtagClient

    def perform(self, client, args, state):
        records = args["records"]
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise VendorRejected("foxtag: records must be a list of objects")
        sent = set(state.get("foxtag_sent", []))
        failures = state.setdefault("record_failures", [])
        pending = [i for i in range(len(records)) if i not in sent]
        answer, batches = None, 0
        for start in range(0, len(pending), MAX_BATCH):
            indexes = pending[start:start + MAX_BATCH]
            answer = client.upsert(args["resource"], [records[i] for i in indexes])
            if answer is None:  # planning
                continue
            batches += 1
            for index, result in zip(indexes, answer.data["results"]):
                if not (isinstance(result, dict) and result.get("success") is True):
                    result = result if isinstance(result, dict) else {}
                    failures.append({
                        "index": index,
                        "id": result.get("id") or records[index].get("id"),
                        "message": excerpt(str(result.get("message") or "failed"), client.secrets(), 500),
                    })
            sent.update(indexes)
            state["foxtag_sent"] = sorted(sent)
        if client.planned is not None:
            return None
        return ActionResult(
            status=answer.status if answer is not None else None,
            response_excerpt=excerpt(answer.text, client.secrets()) if answer is not None else "",
            record_failures=list(failures),
            details={"records": len(records), "batches_sent": batches, "failed": len(failures)},
        )


@register
class FoxtagRequest(RequestAction):
    name = "foxtag.request"
    vendor = "foxtag"
    client_class = FoxtagClient
