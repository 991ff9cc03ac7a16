"""A worker bootstep: each worker process runs the dispatcher that releases parked
deliveries (handlers/delivery/dispatch.py) while it consumes, and stops it first."""
from celery import bootsteps

from handlers.delivery.wiring import dispatcher_for


def dispatcher_step(flask_app):
    """The bootstep class for this Flask app (added to the worker blueprint by celery_init_app)."""

    class DispatcherStep(bootsteps.StartStopStep):
        requires = {"celery.worker.components:Pool"}

        def __init__(self, worker, **kwargs):
            super().__init__(worker, **kwargs)
            self.dispatcher = None

        def start(self, worker):
            with flask_app.app_context():
                self.dispatcher = dispatcher_for(flask_app)
            self.dispatcher.start()

        def stop(self, worker):
            if self.dispatcher is not None:
                self.dispatcher.stop()
                self.dispatcher = None

        shutdown = stop

    return DispatcherStep
