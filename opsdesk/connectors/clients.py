"""The clients of the connectors configured in admin: what playbooks call."""

from .errors import ConnectorError
from .hr.client import HrClient
from .lms.client import LmsClient
from .models import ConnectorConfig, ConnectorKind


def hr_client() -> HrClient:
    """The HR directory client of the enabled HR connector."""
    client = _configured(ConnectorKind.HR).client()
    assert isinstance(client, HrClient)
    return client


def lms_client() -> LmsClient:
    """The LMS client of the enabled LMS connector."""
    client = _configured(ConnectorKind.LMS).client()
    assert isinstance(client, LmsClient)
    return client


def _configured(kind: ConnectorKind) -> ConnectorConfig:
    config = ConnectorConfig.objects.filter(kind=kind, enabled=True).first()
    if config is None:
        label = "HR" if kind == ConnectorKind.HR else "LMS"
        raise ConnectorError(f"No {label} connector is configured (admin → Connectors: add "
                             "one and enable it)", retryable=False)
    return config
