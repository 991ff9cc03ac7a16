"""Fiwit API simulator (docs/vendors.md "Fiwit").

Enforces: `Authorization: <key>` with no scheme (else 401); `Accept: application/json`
(documented as required on every request; the 406 answer is inferred); POST `/tickets/`,
`/assets/` (with or without the trailing slash) answer the bare record (tickets get
`name` "T-<n>" and `status` "new", assets a `pairing_token`); PATCH `/<res>/<id>` answers
the bare record; GET lists are bare arrays. The error body is not documented:
`{"error": "..."}` here.
"""
import itertools
import re
import uuid

from handlers.sandbox.base import Simulator, json_response, serve_main

DEFAULT_KEY = "fiwit-test-api-key"
ROUTE = re.compile(r"^/(?P<res>tickets|assets)/?(?P<id>\d+)?$")


class FiwitSimulator(Simulator):
    vendor = "fiwit"

    def __init__(self, host="127.0.0.1", port=0, credential=None, rate_limit=None):
        super().__init__(host, port, rate_limit=rate_limit)
        self.api_key = credential or DEFAULT_KEY
        self.records = {"tickets": {}, "assets": {}}
        self._ids = itertools.count(52)

    def error(self, status, message):
        return json_response(self.error_body(status, message), status=status)

    def authenticate(self, request):
        return None if request.headers.get("Authorization") == self.api_key else self.error(401, "Unauthorized")

    def check_request(self, request):
        if "application/json" not in request.headers.get("Accept", ""):
            return self.error(406, "Not Acceptable: send Accept: application/json")
        return None

    def dispatch(self, request, path, body):
        match = ROUTE.match(path)
        if not match:
            return self.error(404, "Not Found")
        store = self.records[match["res"]]
        record_id = int(match["id"]) if match["id"] else None
        if request.method == "GET":
            if record_id is None:
                return json_response(list(store.values()))
            return json_response(store[record_id]) if record_id in store else self.error(404, "Not Found")
        if not isinstance(body, dict):
            return self.error(422, "the body must be a JSON object")
        if request.method == "POST" and record_id is None:
            new_id = next(self._ids)
            record = {"id": new_id, "team_id": 111, "user_id": 85, "custom_field_values": [], "deleted_at": None, **body}
            if match["res"] == "tickets":
                record.setdefault("name", f"T-{new_id}")
                record.setdefault("status", "new")
            else:
                record["pairing_token"] = uuid.uuid4().hex
            store[new_id] = record
            return json_response(record, status=201)
        if request.method == "PATCH" and record_id is not None:
            if record_id not in store:
                return self.error(404, "Not Found")
            store[record_id].update(body)
            return json_response(store[record_id])
        return self.error(404, "Not Found")


if __name__ == "__main__":
    serve_main(FiwitSimulator, credential=DEFAULT_KEY)
