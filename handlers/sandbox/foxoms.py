"""FoxOMS REST API v1 simulator (docs/vendors.md "FoxOMS").

Enforces: `Authorization: Bearer <token>` or `?access_token=` (else 401); 429 above
1 request/second by default (`rate_limit=(n, seconds)`, None to switch off); module CRUD
on `/v1/<module>` with `GET` lists paged by `page`/`limit` (default 10) into
`meta.pagination` (`links` is `[]` or `{"next": <page number>}`), `?id=` filters (comma
lists, strings LIKE, `filter_operator` default OR); one record per write (a JSON list
is a 400); "forgiving" writes (PUT without id creates, POST with id updates); create and
update answer `{"status":{"success":true,"id":"<str>"}}`; delete answers an int id
(booking, project, workorder) or no id (the rest); read-only modules refuse writes (405);
`/v1/resthook` requires `event_name` and `target_url` on POST (400 otherwise).

The error body is not documented; this simulator answers
`{"status": {"success": false, "code": <status>, "message": "..."}}` (inferred).
`trigger(event_name, record)` POSTs a record to every hook subscribed to that event
(the delivered payload is not documented either: here the bare record as JSON).
"""
import itertools
import threading
import time

import requests

from handlers.sandbox.base import Simulator, json_response, serve_main

DEFAULT_TOKEN = "foxoms-test-api-token"

WRITABLE_MODULES = {
    # module -> how DELETE answers: "int" id or "none"
    "booking": "int", "project": "int", "workorder": "int",
    "invoice": "none", "quote": "none", "billableitem": "none", "invoicetemplate": "none",
    "resource": "none", "schedule": "none", "people": "none", "organization": "none",
    "status": "none", "ratescheme": "none", "resthook": "none",
}
READ_ONLY_MODULES = {"contact", "group", "customfield", "account"}
LIST_PARAMS = {"page", "limit", "fields", "filter_operator", "order_asc", "order_desc", "access_token",
               "updated_after", "check_clashes", "notify_new_user", "delete_repeats", "with_acl", "show_folders"}
REQUIRED_ON_CREATE = {"resthook": ("event_name", "target_url"), "project": ("name",)}


class FoxOMSSimulator(Simulator):
    vendor = "foxoms"
    path_prefix = "/v1"

    def __init__(self, host="127.0.0.1", port=0, credential=None, rate_limit=(1, 1.0)):
        super().__init__(host, port, rate_limit=rate_limit)
        self.token = credential or DEFAULT_TOKEN
        self.records: dict[str, dict[int, dict]] = {m: {} for m in WRITABLE_MODULES.keys() | READ_ONLY_MODULES}
        self._ids = itertools.count(20189)
        self._store_lock = threading.Lock()

    # documented answers --------------------------------------------------------
    def error_body(self, status, message):
        return {"status": {"success": False, "code": status, "message": message}}

    def error(self, status, message):
        return json_response(self.error_body(status, message), status=status)

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if header == f"Bearer {self.token}" or request.args.get("access_token") == self.token:
            return None
        return self.error(401, "Unauthorized")

    def rate_limited(self, request):
        return self.error(429, "Too Many Requests. We allow a maximum of 1 request per second")

    # data helpers for tests ----------------------------------------------------
    def add(self, module, **attributes):
        """Put a record in the store (as if created in FoxOMS); returns it."""
        with self._store_lock:
            record_id = int(attributes.pop("id", None) or next(self._ids))
            now = int(time.time())
            record = {"id": record_id, **attributes, "created_id": 1, "created": now, "updated_id": 1, "updated": now}
            if module == "resthook":
                record.setdefault("triggered_count", 0)
                record.setdefault("last_triggered", 0)
            self.records[module][record_id] = record
            return record

    def trigger(self, event_name, record, timeout=5):
        """POST `record` to every hook subscribed to `event_name`; returns the responses."""
        responses = []
        for hook in list(self.records["resthook"].values()):
            if hook.get("event_name") == event_name:
                responses.append(requests.post(hook["target_url"], json=record, timeout=timeout))
                hook["triggered_count"] += 1
                hook["last_triggered"] = int(time.time())
        return responses

    # routing -------------------------------------------------------------------
    def dispatch(self, request, path, body):
        module = path.strip("/")
        if module not in self.records:
            return self.error(404, "Not Found")
        method = request.method
        record_id = request.args.get("id")
        if method == "GET":
            return self.list_records(module, request.args)
        if module in READ_ONLY_MODULES:
            return self.error(405, "Method Not Allowed")
        if method == "DELETE":
            return self.delete_record(module, record_id)
        if method not in ("POST", "PUT"):
            return self.error(405, "Method Not Allowed")
        if not isinstance(body, dict):
            return self.error(400, "Bad Request: the body must be one JSON object (one record per request)")
        if record_id:  # POST with an id updates too ("forgiving")
            return self.update_record(module, record_id, body)
        return self.create_record(module, body)

    def list_records(self, module, args):
        records = sorted(self.records[module].values(), key=lambda r: r["id"])
        filters = {k: v for k, v in args.items() if k not in LIST_PARAMS}
        if filters:
            matches = [self._matches(record, key, value) for record in records for key, value in filters.items()]
            per_record = [matches[i:i + len(filters)] for i in range(0, len(matches), len(filters))]
            combine = all if args.get("filter_operator", "OR").upper() == "AND" else any
            records = [r for r, m in zip(records, per_record) if combine(m)]
        try:
            page = max(int(args.get("page", 1)), 1)
            limit = max(int(args.get("limit", 10)), 1)
        except ValueError:
            return self.error(400, "Bad Request: page and limit are numbers")
        total = len(records)
        total_pages = max((total + limit - 1) // limit, 1)
        chunk = records[(page - 1) * limit: page * limit]
        fields = args.get("fields")
        if fields:
            wanted = set(fields.split(","))
            chunk = [{k: v for k, v in r.items() if k in wanted} for r in chunk]
        links = {"next": page + 1} if page < total_pages else []
        return json_response({
            "data": chunk,
            "meta": {"pagination": {"total": total, "count": len(chunk), "per_page": limit,
                                    "current_page": page, "total_pages": total_pages, "links": links}},
        })

    @staticmethod
    def _matches(record, key, value):
        if key not in record:
            return False
        actual = record[key]
        wanted = value.split(",")
        if isinstance(actual, str) and key != "id":
            return any(w.lower() in actual.lower() for w in wanted)
        return str(actual) in wanted

    def create_record(self, module, body):
        missing = [name for name in REQUIRED_ON_CREATE.get(module, ()) if not body.get(name)]
        if missing:
            return self.error(400, f"Bad Request: {', '.join(missing)} required")
        attributes = {k: v for k, v in body.items() if k != "id"}
        record = self.add(module, **attributes)
        return json_response({"status": {"success": True, "id": str(record["id"])}})

    def update_record(self, module, record_id, body):
        try:
            key = int(record_id)
        except ValueError:
            return self.error(400, "Bad Request: id must be a number")
        record = self.records[module].get(key)
        if record is None:
            return self.error(404, "Not Found")
        record.update({k: v for k, v in body.items() if k != "id"})
        record["updated"] = int(time.time())
        return json_response({"status": {"success": True, "id": str(key)}})

    def delete_record(self, module, record_id):
        try:
            key = int(record_id)
        except (TypeError, ValueError):
            return self.error(400, "Bad Request: ?id= required")
        if self.records[module].pop(key, None) is None:
            return self.error(404, "Not Found")
        if WRITABLE_MODULES[module] == "int":
            return json_response({"status": {"success": True, "id": key}})
        return json_response({"status": {"success": True}})


if __name__ == "__main__":
    serve_main(FoxOMSSimulator, credential=DEFAULT_TOKEN, rate="1/second")
