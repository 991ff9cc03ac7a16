"""Pytest fixtures for the vendor simulators.

Use from a test module with `from tests.simulators.plugin import foxoms_sim  # noqa: F401`,
or for every test with `pytest_plugins = ["tests.simulators.plugin"]` in conftest.py.
Each fixture starts a fresh simulator on 127.0.0.1 (ephemeral port) and stops it after.
"""
import importlib

import pytest


def _simulator(module, class_name, **options):
    simulator_class = getattr(importlib.import_module(f"handlers.sandbox.{module}"), class_name)
    return simulator_class(**options)


@pytest.fixture
def foxoms_sim():
    """FoxOMS at `.url` (…/v1), token `.token`, 1 request/second (sim.set_rate_limit(None) to lift)."""
    with _simulator("foxoms", "FoxOMSSimulator") as sim:
        yield sim


@pytest.fixture
def itglue_sim():
    with _simulator("itglue", "ITGlueSimulator") as sim:
        yield sim


@pytest.fixture
def fiwit_sim():
    with _simulator("fiwit", "FiwitSimulator") as sim:
        yield sim


@pytest.fixture
def foxtag_sim():
    with _simulator("foxtag", "FoxtagSimulator") as sim:
        yield sim


@pytest.fixture
def accutics_sim():
    with _simulator("accutics", "AccuticsSimulator") as sim:
        yield sim


@pytest.fixture
def http_sim():
    """A generic HTTPS-like receiver for http.post: records requests, answers 200."""
    with _simulator("receiver", "ReceiverSimulator") as sim:
        yield sim
