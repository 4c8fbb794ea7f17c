"""The HR directory client: who someone is and whether they still work here, by email.

    HrClient(base_url, token, timeout).employee("thu.tran@…") -> Employee | None

The HTTP contract (served by `fake.py`, documented in docs/operations.md):
`GET /employees?email=…` → 200 `{"email", "name", "employment_status", "role"}`, or 404
`{"error": "not_found"}` for someone the directory does not know. `GET /health` → 200.
"""

import logging
from dataclasses import dataclass

from ..transport import JsonHttp, fields

logger = logging.getLogger("opsdesk.connectors")

SYSTEM = "HR directory"


@dataclass(frozen=True)
class Employee:
    email: str
    name: str
    employment_status: str  # "active", "terminated", or whatever else HR records
    role: str = ""  # "teacher", "coordinator", …

    @property
    def is_active(self) -> bool:
        return self.employment_status == "active"


class HrClient:
    """Looks people up in the HR directory over HTTP; failures raise ConnectorError."""

    def __init__(self, base_url: str, token: str = "", timeout: float = 5.0, *,
                 retries: int = 2, backoff: float = 0.2) -> None:
        self.http = JsonHttp(system=SYSTEM, base_url=base_url, token=token, timeout=timeout,
                             retries=retries, backoff=backoff)

    def employee(self, email: str) -> Employee | None:
        """The employee with this email, or None when HR does not know the address."""
        if not email.strip():
            raise ValueError("an email address is needed")
        answer = self.http.get("/employees", {"email": email.strip()})
        if answer is None:
            logger.info("HR directory: no employee for the address looked up")
            return None
        record = fields(answer.body, system=SYSTEM, required=("email", "employment_status"),
                        optional=("name", "role"))
        return Employee(email=record["email"], name=record["name"],
                        employment_status=record["employment_status"], role=record["role"])

    def ping(self) -> None:
        """Check that the directory answers and accepts the token (GET /health)."""
        self.http.ping()
