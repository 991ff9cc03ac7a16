"""Routing: match an event against `routes:`, render action args, create deliveries, explain."""
