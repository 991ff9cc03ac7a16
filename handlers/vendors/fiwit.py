"""Fiwit API (docs/vendors.md "Fiwit"): `Authorization: <key>` (no scheme), `Accept: application/json`.

POST `/tickets/` and `/assets/` create (trailing slash as documented), PATCH `/<res>/<id>`
updates; both answer the bare record.
"""
from handlers.vendors.client import VendorClient, numeric_id
from handlers.vendors.errors import VendorRejected


class FiwitClient(VendorClient):
    vendor = "fiwit"
    credential_key = "FIWIT_API_KEY"
    base_url_key = "FIWIT_BASE_URL"
    default_headers = {"Accept": "application/json"}

    def auth_headers(self):
        return {"Authorization": self.credential}

    def body_problem(self, prepared, answer):
        if prepared.method in ("POST", "PATCH") and not (isinstance(answer.data, dict) and "id" in answer.data):
            return "the body is not the written record"
        return None

    @staticmethod
    def _fields(fields):
        if not isinstance(fields, dict):
            raise VendorRejected("fiwit: fields must be an object")
        return fields

    def create_ticket(self, fields):
        """POST /tickets/: create a ticket; answers the ticket."""
        return self.call(self.prepare("POST", "/tickets/", json=self._fields(fields)))

    def update_ticket(self, id, fields):
        """PATCH /tickets/<id>: change a ticket's fields."""
        return self.call(self.prepare("PATCH", f"/tickets/{numeric_id(id, 'fiwit')}", json=self._fields(fields)))

    def create_asset(self, fields):
        """POST /assets/: create an asset; answers the asset (with its pairing_token)."""
        return self.call(self.prepare("POST", "/assets/", json=self._fields(fields)))

    def update_asset(self, id, fields):
        """PATCH /assets/<id>: change an asset's fields."""
        return self.call(self.prepare("PATCH", f"/assets/{numeric_id(id, 'fiwit')}", json=self._fields(fields)))


def written_id(answer):
    """The id of the record a write answered with (the bare record), as a string."""
    return str(answer.data["id"])
