"""Public endpoints: the health check and the OpenAPI schema answer without a token."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_a_token():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_the_openapi_schema_documents_the_ticket_paths():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/tickets", "/api/v1/tickets/{ticket_id}", "/api/v1/tickets/{ticket_id}/stage",
            "/api/v1/tickets/{ticket_id}/messages",
            "/api/v1/tickets/{ticket_id}/timeline"} <= set(paths)


def test_the_openapi_schema_documents_the_error_format():
    schema = Client().get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/tickets"]["post"]["responses"]
    assert {"201", "401", "422"} <= set(create)
