"""API authentication (bearer tokens) and the role checks every handler shares."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from opsdesk.accounts.models import User
from opsdesk.accounts.services import user_for_token

from .errors import Forbidden


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return user_for_token(token)


def caller(request: HttpRequest) -> User:
    """The authenticated user of an API request."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def require_desk_staff(user: User) -> None:
    """Refuse requesters: the call is for agents, managers, engineers and admins."""
    if not user.is_desk_staff:
        raise Forbidden("This needs an agent, manager, engineer or admin token.")
