"""Fiwit API (docs/vendors.md "Fiwit"): `Authorization: <key>` (no scheme), `Accept: application/json`.

POST `/tickets/` and `/assets/` create (trailing slash as documented), PATCH `/<res>/<id>`
updates; both answer the bare record.
"""
from handlers.actions import ClientAction, RequestAction, register, result_from
from handlers.vendors.base import VendorRejected
from handlers.vendors.client import VendorClient, numeric_id


class FiwitClient(VendorClient):
    vendor = "fiwit"
    credential_key = "FIWIT_API_KEY"
    base_url_key = "FIWIT_BASE_URL"
    default_headers = {"Accept": "application/json"}

    def auth_headers(self):
        return {"Authorization": self.credential}

    def contract_problem(self, prepared, answer):
        problem = super().contract_problem(prepared, answer)
        if problem:
            return problem
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


class FiwitAction(ClientAction):
    vendor = "fiwit"
    client_class = FiwitClient
    operation = ""

    def perform(self, client, args, state):
        method = getattr(client, self.operation)
        answer = method(args["id"], args["fields"]) if "id" in self.required else method(args["fields"])
        return answer and result_from(client, answer, id=str(answer.data["id"]))


@register
class FiwitCreateTicket(FiwitAction):
    name, operation, required = "fiwit.create_ticket", "create_ticket", ("fields",)


@register
class FiwitUpdateTicket(FiwitAction):
    name, operation, required = "fiwit.update_ticket", "update_ticket", ("id", "fields")


@register
class FiwitCreateAsset(FiwitAction):
    name, operation, required = "fiwit.create_asset", "create_asset", ("fields",)


@register
class FiwitUpdateAsset(FiwitAction):
    name, operation, required = "fiwit.update_asset", "update_asset", ("id", "fields")


@register
class FiwitRequest(RequestAction):
    name = "fiwit.request"
    vendor = "fiwit"
    client_class = FiwitClient
