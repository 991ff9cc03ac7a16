"""Accutics Open API (docs/vendors.md "Accutics"): a JWT bearer, `{data, meta}` and `{error:{code}}`.

No base URL or endpoints are published: ACCUTICS_BASE_URL is required, and the only operation
is the generic `request()`. Errors are read by HTTP status plus `error.code`; lists page with
`page`/`page_size` and `meta.pagination.next` (a URL, followed only on the same host).
"""
from handlers.vendors.client import VendorClient
from handlers.vendors.errors import VendorRejected
from handlers.vendors.request import PreparedRequest


class AccuticsClient(VendorClient):
    vendor = "accutics"
    credential_key = "ACCUTICS_TOKEN"
    base_url_key = "ACCUTICS_BASE_URL"
    default_headers = {"Accept": "application/json"}

    def auth_headers(self):
        return {"Authorization": f"Bearer {self.credential}"}

    def body_problem(self, prepared, answer):
        data = answer.data
        if not isinstance(data, dict) or "data" not in data or not isinstance(data.get("meta"), dict):
            return "the body is not the {data, meta} envelope"
        return None

    def error_code(self, answer):
        error = answer.data.get("error") if isinstance(answer.data, dict) else None
        return error.get("code") if isinstance(error, dict) else None

    def describe_error(self, answer):
        error = answer.data.get("error") if isinstance(answer.data, dict) else None
        if isinstance(error, dict) and error.get("code"):
            return f"{error['code']}: {error.get('message') or ''}".rstrip(": ")
        return super().describe_error(answer)

    def iter_records(self, path, page_size=100, **query):
        """Every item of an index endpoint, following meta.pagination.next until it is null."""
        answer = self.request("GET", path, {**query, "page": 1, "page_size": page_size})
        while True:
            yield from answer.data.get("data") or []
            next_url = ((answer.data.get("meta") or {}).get("pagination") or {}).get("next")
            if not next_url:
                return
            if not self.same_origin(next_url):
                raise VendorRejected(f"accutics: pagination next {next_url!r} leaves the configured host")
            headers = {**self.default_headers, **self.auth_headers()}
            answer = self.call(PreparedRequest("GET", next_url, headers))
