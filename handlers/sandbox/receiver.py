"""A generic webhook receiver for `http.post`: records every request, answers 200 `{"ok": true}`.

`sim.answer(status, body)` changes the normal answer; the base class faults apply too.
"""
from handlers.sandbox.base import Simulator, json_response, serve_main


class ReceiverSimulator(Simulator):
    vendor = "receiver"

    def __init__(self, host="127.0.0.1", port=0, credential=None, rate_limit=None):
        super().__init__(host, port, rate_limit=rate_limit)
        self.status, self.body = 200, {"ok": True}

    def answer(self, status, body):
        self.status, self.body = status, body

    def dispatch(self, request, path, body):
        return json_response(self.body, status=self.status)


if __name__ == "__main__":
    serve_main(ReceiverSimulator)
