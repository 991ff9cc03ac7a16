"""`python -m handlers.banner`: what `make run` prints before it starts (where to look, what to send)."""
import os
import sys

from dotenv import dotenv_values

SAMPLE = ("foxoms", "bookingCreated", "examples/foxoms__bookingCreated.json")


def banner(environ, dotenv):
    settings = {**dotenv, **{name: value for name, value in environ.items() if value}}
    port = settings.get("PORT") or "5000"
    url = f"http://localhost:{port}"
    where = "in .env (ADMIN_TOKEN=...)" if "ADMIN_TOKEN" in dotenv and not environ.get("ADMIN_TOKEN") \
        else "in your environment (ADMIN_TOKEN)"
    source, event, path = SAMPLE
    to = "" if settings.get("PUBLIC_BASE_URL", "http://localhost:5000").rstrip("/") == url else f" --url {url}"
    return "\n".join([
        f"hooks: web at {url} (ready when `curl {url}/readyz` answers 200)",
        f"admin API: Authorization: Bearer <ADMIN_TOKEN>, the token is {where}",
        "send a sample event, from another terminal at the repo root:",
        f"  ./hooks send {source} {event} {path}{to}",
        "then see it, and what the sandbox vendors were sent:",
        "  ./hooks events list",
        "  ./hooks sandbox calls",
        "",
    ])


if __name__ == "__main__":
    dotenv = {name: value for name, value in dotenv_values(".env").items() if value} if os.path.exists(".env") else {}
    print(banner(os.environ, dotenv), file=sys.stderr, flush=True)
