"""Shared bits for the vendor tests: a context for actions with a short timeout."""
import requests

from handlers.actions import ActionContext

SHORT_TIMEOUT_SECONDS = (2, 0.5)


def context(config, state=None, calls=None):
    """An ActionContext on a fresh session; `calls` collects the before_request hook's vendors."""
    hook = (lambda vendor: calls.append(vendor)) if calls is not None else (lambda vendor: None)
    return ActionContext(config=config, session=requests.Session(), state={} if state is None else state, before_request=hook)
