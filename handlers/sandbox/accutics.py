"""Accutics Open API simulator (docs/vendors.md "Accutics").

The document has no endpoints: `/campaigns` (index, show, create) is invented to carry the
documented envelopes. Enforces: `Authorization` missing or empty -> 401
`authorization_header_missing`; a wrong token -> 401 `invalid_token` (code inferred);
`sim.forbid("/campaigns")` -> 403 `authorization`; a path or method that matches nothing ->
400 `invalid_route`; success `{"data", "meta": {"endpoint"}}` (index: a list; show/create:
an object); index paging by `page`/`page_size` (clamped to `max_page_size`) with
`meta.pagination` {first, previous, current, next, last, items_per_page, total_items,
page_param, size_param} as absolute URLs.
"""
import itertools
import re
from urllib.parse import urlencode

from handlers.sandbox.base import Simulator, json_response, serve_main

DEFAULT_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcGktdXNlciJ9.c2ltdWxhdG9yLXNpZ25hdHVyZQ"
ROUTE = re.compile(r"^/campaigns(?:/(?P<id>\d+))?$")


class AccuticsSimulator(Simulator):
    vendor = "accutics"
    path_prefix = "/api"

    def __init__(self, host="127.0.0.1", port=0, credential=None, rate_limit=None, max_page_size=50):
        super().__init__(host, port, rate_limit=rate_limit)
        self.token = credential or DEFAULT_TOKEN
        self.max_page_size = max_page_size
        self.campaigns: dict[int, dict] = {}
        self.forbidden: set[str] = set()
        self._ids = itertools.count(1)

    def error_body(self, status, message, code=None, endpoint="unknown"):
        code = code or {429: "too_many_requests"}.get(status, "server_error" if status >= 500 else "error")
        return {"error": {"code": code, "message": message, "data": {}}, "meta": {"endpoint": endpoint}}

    def error(self, status, code, message, endpoint="unknown"):
        return json_response(self.error_body(status, message, code, endpoint), status=status)

    def forbid(self, path):
        self.forbidden.add(path)

    def authenticate(self, request):
        header = request.headers.get("Authorization", "").strip()
        if not header:
            return self.error(401, "authorization_header_missing", "Authorization header missing")
        if header != f"Bearer {self.token}":
            return self.error(401, "invalid_token", "The token is not valid")
        return None

    def add(self, **attributes):
        campaign = {"id": next(self._ids), **attributes}
        self.campaigns[campaign["id"]] = campaign
        return campaign

    def dispatch(self, request, path, body):
        match = ROUTE.match(path)
        if not match:
            return self.error(400, "invalid_route", "No such route")
        if path in self.forbidden or "/campaigns" in self.forbidden:
            return self.error(403, "authorization", "The API user lacks permission", "campaigns")
        method, campaign_id = request.method, match["id"]
        if method == "GET" and campaign_id is None:
            return self.index(request)
        if method == "GET":
            campaign = self.campaigns.get(int(campaign_id))
            if campaign is None:
                return self.error(404, "not_found", "No such campaign", "campaigns.show")
            return json_response({"data": campaign, "meta": {"endpoint": "campaigns.show"}})
        if method == "POST" and campaign_id is None:
            if not isinstance(body, dict) or not body.get("name"):
                return self.error(422, "validation_failed", "name is required", "campaigns.create")
            return json_response({"data": self.add(**body), "meta": {"endpoint": "campaigns.create"}}, status=201)
        return self.error(400, "invalid_route", "Wrong method for this route")

    def index(self, request):
        try:
            page = max(int(request.args.get("page", 1)), 1)
            size = min(max(int(request.args.get("page_size", 20)), 1), self.max_page_size)
        except ValueError:
            return self.error(400, "invalid_parameter", "page and page_size are numbers", "campaigns.index")
        items = sorted(self.campaigns.values(), key=lambda c: c["id"])
        last = max((len(items) + size - 1) // size, 1)

        def link(number):
            return f"{self.url}/campaigns?{urlencode({'page': number, 'page_size': size})}"

        pagination = {"first": link(1), "previous": link(page - 1) if page > 1 else None, "current": link(page),
                      "next": link(page + 1) if page < last else None, "last": link(last),
                      "items_per_page": size, "total_items": len(items), "page_param": "page", "size_param": "page_size"}
        chunk = items[(page - 1) * size: page * size]
        return json_response({"data": chunk, "meta": {"endpoint": "campaigns.index", "pagination": pagination}})


if __name__ == "__main__":
    serve_main(AccuticsSimulator, credential=DEFAULT_TOKEN)
