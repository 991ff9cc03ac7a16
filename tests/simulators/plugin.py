"""Pytest fixtures for the vendor sandbox servers (handlers/sandbox/), used as simulators.

A pytest plugin named in tests/conftest.py's `pytest_plugins`: every test may ask for them.
Each fixture starts a fresh server on 127.0.0.1 (ephemeral port) and stops it after.
"""
import pytest

from handlers.sandbox.accutics import AccuticsSimulator
from handlers.sandbox.fiwit import FiwitSimulator
from handlers.sandbox.foxoms import FoxOMSSimulator
from handlers.sandbox.foxtag import FoxtagSimulator
from handlers.sandbox.itglue import ITGlueSimulator
from handlers.sandbox.receiver import ReceiverSimulator


@pytest.fixture
def foxoms_sim():
    """FoxOMS at `.url` (…/v1), token `.token`, 1 request/second (sim.set_rate_limit(None) to lift)."""
    with FoxOMSSimulator() as sim:
        yield sim


@pytest.fixture
def itglue_sim():
    with ITGlueSimulator() as sim:
        yield sim


@pytest.fixture
def fiwit_sim():
    with FiwitSimulator() as sim:
        yield sim


@pytest.fixture
def foxtag_sim():
    with FoxtagSimulator() as sim:
        yield sim


@pytest.fixture
def accutics_sim():
    with AccuticsSimulator() as sim:
        yield sim


@pytest.fixture
def http_sim():
    """A generic HTTPS-like receiver for http.post: records requests, answers 200."""
    with ReceiverSimulator() as sim:
        yield sim
