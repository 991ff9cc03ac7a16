"""Alerts (routes.yaml `alerts:`): failures of the delivery engine become notifications.

Modules: throttle (the `throttle:` text as seconds), signals (`emit` and the signal
sources: dead letters, a vendor's last attempts, the backlog; Redis only), send (a due
alert becomes a synthetic event with one delivery, sent by the delivery engine),
validate (load-time checks of the section, registered in handlers.rules).

An alert's own deliveries are marked (delivery field `alert`, event source `alerts`) and
never raise signals: an alert whose target fails just dies as a dead letter.
"""
