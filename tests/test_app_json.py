"""app.json and .python-version describe the same app as the Procfile and routes.yaml."""
import json
import pathlib
import sys

from handlers.rules import VARIABLE
from tests.web_process import procfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_app_json_declares_every_procfile_process():
    manifest = json.loads((ROOT / "app.json").read_text())
    assert set(manifest["formation"]) == set(procfile())
    assert manifest["formation"]["scheduler"]["quantity"] == 1


def test_app_json_declares_redis_and_every_rules_variable():
    manifest = json.loads((ROOT / "app.json").read_text())
    assert any(addon["plan"].startswith("heroku-redis") for addon in manifest["addons"])
    rules_variables = set(VARIABLE.findall((ROOT / "routes.yaml").read_text()))
    assert rules_variables <= set(manifest["env"])
    assert {"ADMIN_TOKEN", "SECRET_KEY", "PUBLIC_BASE_URL"} <= set(manifest["env"])


def test_python_version_file_names_the_python_the_tests_run_on():
    pinned = (ROOT / ".python-version").read_text().strip()
    running = ".".join(str(part) for part in sys.version_info[:2])
    assert pinned == running or pinned.startswith(running + ".")
