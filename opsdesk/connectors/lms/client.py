"""The LMS admin client: find an account, reactivate it, send its owner a password reset.

    client = LmsClient(base_url, token, timeout)
    client.account("thu.tran@…") -> Account | None
    client.reactivate(account.id, idempotency_key="run-42:reactivate") -> Account
    client.send_password_reset(account.id, idempotency_key="run-43:password_reset") -> None

State changes are POSTs carrying the caller's Idempotency-Key: sending the same key again
(a retry after a time-out, a re-run of the same step) gets the first answer and changes
nothing more, so they are retried like GETs. The HTTP contract is the one `fake.py` serves.
Logs name accounts by id only.
"""

import logging
from dataclasses import dataclass
from urllib.parse import quote

from ..errors import ConnectorError
from ..transport import JsonHttp, fields

logger = logging.getLogger("opsdesk.connectors")

SYSTEM = "LMS"


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    status: str  # "active" or "deactivated"
    reason: str = ""  # why it is deactivated, e.g. "30 days without login"

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class LmsClient:
    """Reads and changes LMS accounts over HTTP; failures raise ConnectorError."""

    def __init__(self, base_url: str, token: str = "", timeout: float = 5.0, *,
                 retries: int = 2, backoff: float = 0.2) -> None:
        self.http = JsonHttp(system=SYSTEM, base_url=base_url, token=token, timeout=timeout,
                             retries=retries, backoff=backoff)

    def account(self, email: str) -> Account | None:
        """The account with this email, or None when the LMS has none."""
        if not email.strip():
            raise ValueError("an email address is needed")
        answer = self.http.get("/accounts", {"email": email.strip()})
        if answer is None:
            logger.info("LMS: no account for the address looked up")
            return None
        return _account(answer.body)

    def reactivate(self, account_id: str, *, idempotency_key: str) -> Account:
        """Make a deactivated account active again; an active one stays as it is."""
        answer = self.http.post(f"/accounts/{_segment(account_id)}/reactivate",
                                idempotency_key=idempotency_key)
        if answer is None:
            raise ConnectorError(f"LMS: no account {account_id}", retryable=False, status=404)
        account = _account(answer.body)
        if not account.is_active:
            raise ConnectorError(f"LMS: account {account_id} is still {account.status} after "
                                 "reactivation", retryable=False)
        logger.info("LMS: account %s reactivated", account_id)
        return account

    def send_password_reset(self, account_id: str, *, idempotency_key: str) -> None:
        """Have the LMS email the account's owner a password-reset link."""
        answer = self.http.post(f"/accounts/{_segment(account_id)}/password-reset",
                                idempotency_key=idempotency_key)
        if answer is None:
            raise ConnectorError(f"LMS: no account {account_id}", retryable=False, status=404)
        logger.info("LMS: password reset sent for account %s", account_id)

    def ping(self) -> None:
        """Check that the LMS answers and accepts the token (GET /health)."""
        self.http.ping()


def _account(body: object) -> Account:
    record = fields(body, system=SYSTEM, required=("id", "email", "status"),
                    optional=("reason",))
    return Account(id=record["id"], email=record["email"], status=record["status"],
                   reason=record["reason"])


def _segment(account_id: str) -> str:
    if not str(account_id).strip():
        raise ValueError("an account id is needed")
    return quote(str(account_id), safe="")
