"""Signing in: argon2 password hashes, and a lock after five failed attempts."""

import importlib

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # the personas' password (conftest)


def sign_in(client, email, password):
    return client.post("/accounts/login/", {"username": email, "password": password})


def signed_in(client):
    return "_auth_user_id" in client.session


def test_the_real_settings_hash_passwords_with_argon2():
    # conftest swaps in MD5 for speed, so read the settings module itself.
    real = importlib.import_module("opsdesk.settings")
    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_it_signs_in_with_the_right_password(agent):
    client = Client()
    response = sign_in(client, agent.email, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_it_refuses_a_wrong_password(agent):
    client = Client()
    sign_in(client, agent.email, "not-the-password")
    assert not signed_in(client)


def test_four_failures_do_not_lock_the_account(agent):
    client = Client()
    for _ in range(4):
        sign_in(client, agent.email, "not-the-password")
    sign_in(client, agent.email, PASSWORD)
    assert signed_in(client)


def test_five_failures_lock_out_even_the_right_password(agent):
    client = Client()
    for _ in range(5):
        sign_in(client, agent.email, "not-the-password")
    response = sign_in(client, agent.email, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)


def test_the_fifth_failure_is_answered_too_many_requests(agent):
    client = Client()
    responses = [sign_in(client, agent.email, "not-the-password") for _ in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]


def test_a_lock_on_one_account_leaves_another_alone(agent, manager):
    client = Client()
    for _ in range(5):
        sign_in(client, agent.email, "not-the-password")
    sign_in(client, manager.email, PASSWORD)
    assert signed_in(client)


def test_a_wrong_password_keeps_the_email_and_says_what_went_wrong(agent):
    response = sign_in(Client(), agent.email, "not-the-password")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page and "correct email and password" in page
    assert f'value="{agent.email}"' in page


def test_the_sign_in_page_is_in_vietnamese_when_asked(db):
    client = Client(headers={"accept-language": "vi"})
    page = client.get("/accounts/login/").content.decode()
    assert "Đăng nhập opsdesk" in page and "Mật khẩu" in page
    assert "Đăng nhập bằng liên kết gửi qua email" in page


def test_a_locked_account_is_told_how_long_and_offered_the_emailed_link(agent):
    client = Client()
    for _ in range(5):
        response = sign_in(client, agent.email, "not-the-password")
    page = response.content.decode()
    assert response.status_code == 429
    assert "Try again in 15 minutes." in page
    assert 'href="/portal/login/"' in page


def test_the_lock_page_speaks_vietnamese_too(agent):
    client = Client(headers={"accept-language": "vi"})
    for _ in range(5):
        response = sign_in(client, agent.email, "not-the-password")
    assert response.status_code == 429
    assert "Hãy thử lại sau 15 phút." in response.content.decode()


def test_a_lock_without_a_cool_off_says_to_ask_an_administrator(agent, settings):
    settings.AXES_COOLOFF_TIME = None
    client = Client()
    for _ in range(5):
        response = sign_in(client, agent.email, "not-the-password")
    assert response.status_code == 429
    assert "Ask an administrator to unlock it." in response.content.decode()
