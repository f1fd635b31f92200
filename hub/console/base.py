"""What every console module needs and nothing else: the hub of a request, and the signal
that a page needs a signed-in person (a leaf, so the page helpers and the session can share it)."""

from __future__ import annotations

from fastapi import Request

from hub.context import Hub


class NeedsSignIn(Exception):
    """The page needs a signed-in person; they are sent to the sign-in page and back."""


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub
