"""Foxtag.io public API simulator (docs/vendors.md "Foxtag"), under `/api/v1/public`.

Enforces: `Authorization: Bearer <key>` (else 401); `Accept: application/json` or `*/*`,
or a `.json` path suffix (else 406); POST bodies are lists of at most 100 objects (else 422
"Too many elements in a single request."); upsert by `id` (UUID) or create without it;
records the test marks invalid (`invalid: true` or a message string) fail: the answer is
still 200 with `status: with_errors`, `errors_count`, and `results[]` in request order
(`id: null` for a failed create); `GET /<res>?page=N` pages by `page_size` (500) with
`meta` {current_page, total_pages, total_count} beside the records (under the resource
name, inferred); `GET /<res>/<uuid or number>`; `DELETE /<res>/<uuid>` (204, inferred).
The 4xx body is not documented: `{"error": "..."}` here.
"""
import itertools
import uuid

from handlers.sandbox.base import Simulator, json_response, serve_main

DEFAULT_KEY = "9d819a.4aD3CkTdp-PiDoBLFAi9gzRUsS83cIo5xwKgfA85lRE"
MAX_ELEMENTS = 100


class FoxtagSimulator(Simulator):
    vendor = "foxtag"
    path_prefix = "/api/v1/public"

    def __init__(self, host="127.0.0.1", port=0, credential=None, rate_limit=None, page_size=500):
        super().__init__(host, port, rate_limit=rate_limit)
        self.api_key = credential or DEFAULT_KEY
        self.page_size = page_size
        self.records: dict[str, dict[str, dict]] = {}
        self._numbers = itertools.count(1)

    def error(self, status, message):
        return json_response(self.error_body(status, message), status=status)

    def authenticate(self, request):
        return None if request.headers.get("Authorization") == f"Bearer {self.api_key}" else self.error(401, "Unauthorized")

    def check_request(self, request):
        accept = request.headers.get("Accept", "")
        if request.path.endswith(".json") or "application/json" in accept or "*/*" in accept:
            return None
        return self.error(406, "Not Acceptable")

    def dispatch(self, request, path, body):
        path = path[:-len(".json")] if path.endswith(".json") else path
        parts = [p for p in path.split("/") if p]
        if not parts or len(parts) > 2:
            return self.error(404, "Not Found")
        store = self.records.setdefault(parts[0], {})
        if len(parts) == 2:
            key = parts[1]
            record = store.get(key) or next((r for r in store.values() if str(r.get("number")) == key), None)
            if request.method == "GET" and record:
                return json_response(record)
            if request.method == "DELETE" and key in store:
                del store[key]
                return json_response(b"", status=204)
            return self.error(404, "Not Found")
        if request.method == "GET":
            return self.index(parts[0], store, request.args)
        if request.method != "POST":
            return self.error(404, "Not Found")
        if not isinstance(body, list):
            return self.error(422, "The body must be a list")
        if len(body) > MAX_ELEMENTS:
            return self.error(422, "Too many elements in a single request.")
        results = [self.upsert(store, item) for item in body]
        errors = sum(1 for r in results if not r["success"])
        return json_response({"status": "with_errors" if errors else "success", "errors_count": errors, "results": results})

    def upsert(self, store, item):
        if not isinstance(item, dict):
            return {"id": None, "success": False, "message": "is not an object"}
        given = item.get("id")
        invalid = item.get("invalid")
        if invalid:
            return {"id": given, "success": False, "message": invalid if isinstance(invalid, str) else "Customer no. is taken"}
        if given:
            if given not in store:
                return {"id": given, "success": False, "message": "Not found"}
            store[given].update(item)
            return {"id": given, "success": True, "message": None}
        new_id = str(uuid.uuid4())
        store[new_id] = {**item, "id": new_id, "number": next(self._numbers)}
        return {"id": new_id, "success": True, "message": None}

    def index(self, resource, store, args):
        try:
            page = max(int(args.get("page", 1)), 1)
        except ValueError:
            return self.error(400, "page must be a number")
        records = list(store.values())
        total_pages = max((len(records) + self.page_size - 1) // self.page_size, 1)
        chunk = records[(page - 1) * self.page_size: page * self.page_size]
        return json_response({resource: chunk, "meta": {"current_page": page, "total_pages": total_pages, "total_count": len(records)}})


if __name__ == "__main__":
    serve_main(FoxtagSimulator, credential=DEFAULT_KEY)
