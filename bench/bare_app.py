"""The ingest baseline: a bare Flask app that parses the same JSON and answers 202."""
from flask import Flask, jsonify, request


def create_bare_app():
    app = Flask(__name__)

    @app.post("/hooks/foxoms/<event_name>")
    def accept(event_name):
        payload = request.get_json()
        return jsonify(event_id=str(payload.get("id")), duplicate=False), 202

    return app
