"""Redis storage of events, deliveries and attempts."""
