"""Plain logic: inbound sources, routing, vendor clients and actions, storage."""
