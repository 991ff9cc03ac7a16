"""The vendor sandbox: loopback servers that answer like each vendor's documented API.

The tests use them as simulators (tests/simulators/plugin.py); `make run` serves every
vendor that has no credentials with one of them (handlers/sandbox/run.py) and records
each call in Redis (handlers/sandbox/calls.py).
"""
