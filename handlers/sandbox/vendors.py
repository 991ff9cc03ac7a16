"""Which sandbox server stands in for which vendor client, and which vendors a config sandboxes.

The runner (handlers/sandbox/run.py) starts one server per vendor that has no credential
and names them in SANDBOX_VENDORS for the processes it starts; every other module reads
that list through `sandboxed_vendors`.
"""
from dataclasses import dataclass

from handlers.sandbox.accutics import AccuticsSimulator
from handlers.sandbox.fiwit import FiwitSimulator
from handlers.sandbox.foxoms import FoxOMSSimulator
from handlers.sandbox.foxtag import FoxtagSimulator
from handlers.sandbox.itglue import ITGlueSimulator
from handlers.settings import parse_bool
from handlers.vendors.accutics import AccuticsClient
from handlers.vendors.fiwit import FiwitClient
from handlers.vendors.foxoms import FoxOMSClient
from handlers.vendors.foxtag import FoxtagClient
from handlers.vendors.itglue import ITGlueClient

SANDBOX_VENDORS_KEY = "SANDBOX_VENDORS"  # set by the runner: "fiwit,foxtag" (the vendors it serves)


@dataclass(frozen=True)
class SandboxVendor:
    name: str
    server_class: type
    client_class: type

    @property
    def credential_key(self):
        return self.client_class.credential_key

    @property
    def base_url_key(self):
        return self.client_class.base_url_key


SANDBOXES = {entry.name: entry for entry in (
    SandboxVendor("foxoms", FoxOMSSimulator, FoxOMSClient),
    SandboxVendor("itglue", ITGlueSimulator, ITGlueClient),
    SandboxVendor("fiwit", FiwitSimulator, FiwitClient),
    SandboxVendor("foxtag", FoxtagSimulator, FoxtagClient),
    SandboxVendor("accutics", AccuticsSimulator, AccuticsClient),
)}


def sandbox_enabled(config):
    return parse_bool(config.get("VENDOR_SANDBOX") or "false")


def vendors_to_sandbox(config, user_settings=()):
    """The vendors the runner serves: sandbox on, no credential, and neither the credential nor
    the base URL named in `.env` (`user_settings`: honcho gives `.env` the last word, so a
    sandbox credential never goes to a real vendor, nor an empty one to the sandbox)."""
    if not sandbox_enabled(config):
        return []
    return [name for name, entry in SANDBOXES.items() if not config.get(entry.credential_key)
            and entry.credential_key not in user_settings and entry.base_url_key not in user_settings]


def sandboxed_vendors(config):
    """The vendors a running process reaches through the sandbox (SANDBOX_VENDORS)."""
    if not sandbox_enabled(config):
        return []
    names = [name.strip() for name in str(config.get(SANDBOX_VENDORS_KEY) or "").split(",")]
    return [name for name in names if name in SANDBOXES]
