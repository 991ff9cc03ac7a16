"""`python -m handlers.dotenv_init`: give every ${VAR} of the rules file a value for local runs.

`make run` calls this before honcho, which reads `.env`. Variables already set in the
environment or in `.env` are left alone; the others get a random token, so a fresh
clone starts with a loadable routes.yaml and no shared secret. A variable written in a
source's `signing_secret` or an action's `sign:` gets a Standard Webhooks secret,
`whsec_<base64 of 32 random bytes>`, which the standardwebhooks and svix libraries read as is.
"""
import base64
import os
import secrets
import sys

import yaml

from handlers.rules import VARIABLE
from handlers.signing import SECRET_PREFIX

SIGNING_KEY_BYTES = 32


def signing_variables(rules_text):
    """Names of the ${VAR}s in a `signing_secret` or a `sign:` of the rules file."""
    try:
        raw = yaml.safe_load(rules_text)
    except yaml.YAMLError:
        return set()  # the rules check reports it; every variable still gets a value
    raw = raw if isinstance(raw, dict) else {}
    texts = [source.get("signing_secret") for source in _mappings(raw.get("sources"))]
    for route in _mappings(raw.get("routes")):
        for action in _mappings(route.get("actions")):
            args = action.get("args")
            texts.append(args.get("sign") if isinstance(args, dict) else None)
    return {name for text in texts if isinstance(text, str) for name in VARIABLE.findall(text)}


def _mappings(value):
    """The mappings in a list, or in a mapping's values; anything else holds none."""
    if isinstance(value, dict):
        value = list(value.values())
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def local_value(name, signing_names):
    """A fresh random value for ${name}: a whsec_ secret for a signing variable, else a token."""
    if name in signing_names:
        return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SIGNING_KEY_BYTES)).decode()
    return secrets.token_urlsafe(24)


def missing_variables(rules_text, environ, dotenv_text):
    known = set(environ)
    for line in dotenv_text.splitlines():
        name, sep, _ = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            known.add(name.strip())
    names = []
    for name in VARIABLE.findall(rules_text):
        if name not in known and name not in names:
            names.append(name)
    return names


# Settings a local run needs beyond the rules file's ${VAR}s: the admin API's bearer token
# and the console's cookie key.
LOCAL_SETTINGS = ("ADMIN_TOKEN", "SECRET_KEY")


def missing_settings(environ, dotenv_text):
    """The LOCAL_SETTINGS that neither the environment nor `.env` sets."""
    rules_like = " ".join(f"${{{name}}}" for name in LOCAL_SETTINGS)
    return missing_variables(rules_like, environ, dotenv_text)


def main(rules_path, dotenv_path=".env"):
    with open(rules_path, encoding="utf-8") as handle:
        rules_text = handle.read()
    dotenv_text = ""
    if os.path.exists(dotenv_path):
        with open(dotenv_path, encoding="utf-8") as handle:
            dotenv_text = handle.read()
    names = missing_variables(rules_text, os.environ, dotenv_text)
    names += [name for name in missing_settings(os.environ, dotenv_text) if name not in names]
    signing_names = signing_variables(rules_text)
    if not names:
        return 0
    with open(dotenv_path, "a", encoding="utf-8") as handle:
        if dotenv_text and not dotenv_text.endswith("\n"):
            handle.write("\n")
        for name in names:
            handle.write(f"{name}={local_value(name, signing_names)}\n")
    print(f"{dotenv_path}: generated local values for {', '.join(names)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(os.environ.get("ROUTES_FILE", "routes.yaml")))
