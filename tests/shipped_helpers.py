"""The shipped routes.yaml with the variables and credentials it needs, and the `shipped_app`
fixture: an app on it (a pytest plugin, see tests/conftest.py)."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = str(ROOT / "routes.yaml")
FIXTURES = ROOT / "tests" / "fixtures"
VARIABLES = {
    "FOXOMS_HOOK_TOKEN": "shipped-foxoms-hook-token-1",
    "ASSET_EXPIRING_TOKEN": "shipped-asset-token-1",
    "CAMPAIGN_HOOK_TOKEN": "shipped-campaign-token-1",
    "CAMPAIGN_SIGNING_SECRET": "whsec_c2hpcHBlZC1jYW1wYWlnbi1zaWduaW5nLXNlY3JldC0x",
}
CREDENTIALS = {
    "FOXOMS_API_TOKEN": "foxoms-api-token-secret",
    "ITGLUE_API_KEY": "itglue-api-key-secret",
    "FIWIT_API_KEY": "fiwit-api-key-secret",
    "FOXTAG_API_KEY": "9d819a.foxtag-api-key-secret",
    "ACCUTICS_TOKEN": "accutics-jwt-secret",
}


@pytest.fixture
def shipped_app(make_app, monkeypatch):
    for name, value in VARIABLES.items():
        monkeypatch.setenv(name, value)
    return make_app(ROUTES_FILE=SHIPPED, ACCUTICS_BASE_URL="https://accutics.test/api", **CREDENTIALS)
