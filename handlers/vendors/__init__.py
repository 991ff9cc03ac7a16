"""Vendor clients: one module and one client class per vendor."""
