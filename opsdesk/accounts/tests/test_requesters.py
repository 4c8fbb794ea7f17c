"""Requesters are found by email, whatever its case, and created on first contact."""

import threading
import time

import pytest
from django.db import connection, transaction

from opsdesk.accounts.models import Role, User
from opsdesk.accounts.services import find_or_create_requester

pytestmark = pytest.mark.django_db


def test_it_finds_a_requester_whatever_the_case_of_the_email(requester):
    found = find_or_create_requester(email="  NGOC.A.LE@Campus.Example.EDU.vn ")
    assert found == requester
    assert User.objects.filter(email__iexact=requester.email).count() == 1


def test_it_creates_a_requester_on_first_contact(db):
    person = find_or_create_requester(email="Khoa.Vo@Campus.example.edu.vn", name="Vo Minh Khoa",
                                      requester_role="teacher", language="vi")
    stored = User.objects.get(pk=person.pk)
    assert (stored.email, stored.name, stored.role, stored.requester_role, stored.language) == (
        "khoa.vo@campus.example.edu.vn", "Vo Minh Khoa", Role.REQUESTER, "teacher", "vi")


def test_a_new_requester_cannot_log_in_with_a_password(db):
    assert not find_or_create_requester(email="khoa.vo@campus.example.edu.vn").has_usable_password()


def test_it_fills_in_a_missing_name_but_keeps_a_known_one(requester):
    nameless = find_or_create_requester(email="binh.tran@campus.example.edu.vn")
    find_or_create_requester(email=nameless.email, name="Tran Van Binh")
    find_or_create_requester(email=requester.email, name="Someone Else")
    assert User.objects.get(pk=nameless.pk).name == "Tran Van Binh"
    assert User.objects.get(pk=requester.pk).name == "Le Ngoc A"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_data")
def test_two_first_contacts_at_once_give_one_requester():
    email = "khoa.vo@campus.example.edu.vn"
    first_inserted, results = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = find_or_create_requester(email=email)
                first_inserted.set()
                time.sleep(0.5)  # the second contact looks now, and sees nothing committed
        finally:
            first_inserted.set()
            connection.close()

    def second():
        first_inserted.wait()
        try:
            results["second"] = find_or_create_requester(email=email)
        except Exception as exc:
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["second"] == results["first"]


def test_many_contacts_are_found_or_created_together_in_a_few_queries(requester):
    from django.test.utils import CaptureQueriesContext

    from opsdesk.accounts.services import Contact, find_or_create_requesters

    unnamed = User.objects.create_user("unnamed@campus.example.edu.vn", role=Role.REQUESTER)
    contacts = [Contact(email="  NGOC.A.LE@Campus.Example.EDU.vn "),
               Contact(email="unnamed@campus.example.edu.vn", name="Tran Thi Mai"),
               *(Contact(email=f"Student{n}@Campus.example.edu.vn", name=f"Student {n}",
                        language="vi") for n in range(30))]
    with CaptureQueriesContext(connection) as queries:
        found = find_or_create_requesters(contacts=contacts)
    assert found["ngoc.a.le@campus.example.edu.vn"] == requester
    assert found["unnamed@campus.example.edu.vn"] == unnamed
    assert User.objects.get(pk=unnamed.pk).name == "Tran Thi Mai"  # as one by one would
    new = User.objects.get(email="student7@campus.example.edu.vn")
    assert found["student7@campus.example.edu.vn"] == new
    assert (new.name, new.role, new.language, new.has_usable_password()) == (
        "Student 7", Role.REQUESTER, "vi", False)
    assert User.objects.filter(email__startswith="student").count() == 30
    assert len(queries) <= 6  # read, insert, read again, and the unnamed one's name (3)


@pytest.mark.postgres
def test_finding_a_requester_by_address_in_any_case_is_an_index_lookup(requester):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the table is tiny in a test
    plan = User.objects.filter(email__iexact="NGOC.A.LE@campus.example.edu.vn").explain()
    assert "user_email_upper" in plan
