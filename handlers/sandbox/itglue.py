"""IT Glue API simulator (docs/vendors.md "IT Glue").

Enforces: `x-api-key` (else 401 with a JSON:API `errors[]` body); a body needs
`Content-Type: application/vnd.api+json` (else 415); 3000 requests per 5 minutes (else 429;
`rate_limit=(n, seconds)`); `page[number]`/`page[size]` with `page[size]` at most 1000
(else 400); bodies `{"data": {"type", "attributes"}}` whose type matches the route (else
422); `organization-id` required on the flat routes of configurations, contacts, locations,
passwords and flexible assets (the nested route supplies it); POST answers 201 with the
created object (`data.id` a string), PATCH /:id 200, DELETE /:id 204.
The error body and the paging `meta` (`current-page`, `next-page`, `total-pages`,
`total-count`) are not documented: JSON:API shapes are inferred.
"""
import itertools
import re

from handlers.sandbox.base import Simulator, json_response, serve_main

DEFAULT_KEY = "ITG.test-api-key"
NEEDS_ORGANIZATION = {"configurations", "contacts", "locations", "passwords", "flexible_assets"}
ROUTE = re.compile(r"^(?:/organizations/(?P<org>\d+)/relationships)?/(?P<type>[a-z_]+)(?:/(?P<id>\d+))?$")


class ITGlueSimulator(Simulator):
    vendor = "itglue"

    def __init__(self, host="127.0.0.1", port=0, credential=None, rate_limit=(3000, 300.0)):
        super().__init__(host, port, rate_limit=rate_limit)
        self.api_key = credential or DEFAULT_KEY
        self.records: dict[str, dict[int, dict]] = {}
        self._ids = itertools.count(455)

    def error_body(self, status, message):
        return {"errors": [{"status": str(status), "title": message}]}

    def error(self, status, message, detail=None):
        body = self.error_body(status, message)
        if detail:
            body["errors"][0]["detail"] = detail
        return json_response(body, status=status, content_type="application/vnd.api+json")

    def authenticate(self, request):
        if request.headers.get("x-api-key") == self.api_key:
            return None
        return self.error(401, "Unauthorized", "Bad credentials")

    def check_request(self, request):
        if request.get_data() and request.mimetype != "application/vnd.api+json":
            return self.error(415, "Unsupported Media Type", "Content-Type must be application/vnd.api+json")
        return None

    def add(self, type_name, **attributes):
        record = {"id": next(self._ids), **attributes}
        self.records.setdefault(type_name, {})[record["id"]] = record
        return record

    def resource(self, type_name, record):
        attributes = {k: v for k, v in record.items() if k != "id"}
        return {"id": str(record["id"]), "type": type_name.replace("_", "-"), "attributes": attributes}

    def dispatch(self, request, path, body):
        match = ROUTE.match(path)
        if not match:
            return self.error(404, "Not Found")
        type_name, org, record_id = match["type"], match["org"], match["id"]
        store = self.records.setdefault(type_name, {})
        method = request.method
        if method == "GET" and record_id is None:
            return self.index(type_name, store, request.args, org)
        if method == "GET":
            record = store.get(int(record_id))
            return json_response({"data": self.resource(type_name, record)}) if record else self.error(404, "Not Found")
        if method == "DELETE" and record_id is not None:
            return json_response(b"", status=204) if store.pop(int(record_id), None) else self.error(404, "Not Found")
        if method not in ("POST", "PATCH"):
            return self.error(404, "Not Found")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("attributes"), dict):
            return self.error(400, "Bad Request", "the body must be {data: {type, attributes}}")
        if data.get("type") not in (type_name, type_name.replace("_", "-")):
            return self.error(422, "Unprocessable Entity", f"type {data.get('type')!r} does not match {type_name}")
        attributes = dict(data["attributes"])
        if method == "PATCH":
            if record_id is None:
                return self.error(400, "Bad Request", "bulk update is not simulated")
            record = store.get(int(record_id))
            if record is None:
                return self.error(404, "Not Found")
            record.update(attributes)
            return json_response({"data": self.resource(type_name, record)}, content_type="application/vnd.api+json")
        if org is not None:
            attributes["organization-id"] = int(org)
        elif type_name in NEEDS_ORGANIZATION and not (attributes.get("organization-id") or attributes.get("organization_id")):
            return self.error(422, "Unprocessable Entity", "organization-id is required")
        record = self.add(type_name, **attributes)
        return json_response({"data": self.resource(type_name, record)}, status=201, content_type="application/vnd.api+json")

    def index(self, type_name, store, args, org):
        try:
            number = int(args.get("page[number]", 1))
            size = int(args.get("page[size]", 50))
        except ValueError:
            return self.error(400, "Bad Request", "page parameters are numbers")
        if size > 1000:
            return self.error(400, "Bad Request", "The maximum number of page results that can be requested is 1000")
        records = sorted(store.values(), key=lambda r: r["id"])
        if org is not None:
            records = [r for r in records if r.get("organization-id") == int(org)]
        total_pages = max((len(records) + size - 1) // size, 1)
        chunk = records[(number - 1) * size: number * size]
        meta = {"current-page": number, "next-page": number + 1 if number < total_pages else None,
                "prev-page": number - 1 if number > 1 else None, "total-pages": total_pages, "total-count": len(records)}
        return json_response({"data": [self.resource(type_name, r) for r in chunk], "meta": meta},
                             content_type="application/vnd.api+json")


if __name__ == "__main__":
    serve_main(ITGlueSimulator, credential=DEFAULT_KEY, rate="3000/5 minutes")
