"""Flask blueprints: thin views over the plain functions in handlers/."""
