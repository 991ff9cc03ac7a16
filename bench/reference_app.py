"""The ingest reference point: the bare app plus one Redis round trip (XADD of the raw body).

Not a baseline for the ratio: it shows what a single round trip to Redis costs on the
machine in the same run, so the gap between it and the service is our own work.
"""
import os

from flask import Flask, jsonify, request

from handlers.redis_client import client_from_url


def create_reference_app():
    app = Flask(__name__)
    redis_client = client_from_url(os.environ["REDIS_URL"])

    @app.post("/hooks/foxoms/<event_name>")
    def accept(event_name):
        payload = request.get_json()
        redis_client.xadd("bench:reference", {"body": request.get_data()}, maxlen=10000, approximate=True)
        return jsonify(event_id=str(payload.get("id")), duplicate=False), 202

    return app
