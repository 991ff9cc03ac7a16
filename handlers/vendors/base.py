"""Temporary: handlers/delivery/deliver.py still imports from here (another branch is
changing it). Delete this module once it imports handlers.vendors.errors instead."""
from handlers.vendors.errors import PermanentVendorError  # noqa: F401
