"""`python -m handlers.dotenv_init`: give every ${VAR} of the rules file a value for local runs.

`make run` calls this before honcho, which reads `.env`. Variables already set in the
environment or in `.env` are left alone; the others get a random token, so a fresh
clone starts with a loadable routes.yaml and no shared secret.
"""
import os
import secrets
import sys

from handlers.rules import VARIABLE


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


def main(rules_path, dotenv_path=".env"):
    with open(rules_path, encoding="utf-8") as handle:
        rules_text = handle.read()
    dotenv_text = ""
    if os.path.exists(dotenv_path):
        with open(dotenv_path, encoding="utf-8") as handle:
            dotenv_text = handle.read()
    names = missing_variables(rules_text, os.environ, dotenv_text)
    if not names:
        return 0
    with open(dotenv_path, "a", encoding="utf-8") as handle:
        if dotenv_text and not dotenv_text.endswith("\n"):
            handle.write("\n")
        for name in names:
            handle.write(f"{name}={secrets.token_urlsafe(24)}\n")
    print(f"{dotenv_path}: generated local values for {', '.join(names)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(os.environ.get("ROUTES_FILE", "routes.yaml")))
