"""Login / account wording in English and Vietnamese (with and without diacritics), and
whose account a ticket is about."""

import pytest

from opsdesk.playbooks.detection import addresses_in, affected_person, detect

from .conftest import TICKETS

LOGIN = [
    ("Cannot log in to LMS", ""),
    ("Help", "I can't login since this morning"),
    ("Sign-in problem", "Signing in fails with an error"),
    ("Forgot my password", ""),
    ("Account locked", "My LMS account was deactivated"),
    ("Please help", "I'm locked out of the LMS"),
    ("Please reactivate my account", ""),
    ("Không đăng nhập được LMS", ""),
    ("Quên mật khẩu", "Em quên mật khẩu LMS ạ"),
    ("Hỗ trợ", "Tài khoản của em bị khoá từ hôm qua"),
    ("Hỗ trợ", "Tài khoản của em bị khóa từ hôm qua"),
    ("Hỗ trợ", "tài khoản đã bị vô hiệu hoá"),
    ("Nhờ kích hoạt lại tài khoản", ""),
    ("ĐĂNG NHẬP KHÔNG ĐƯỢC", ""),
    ("khong dang nhap duoc LMS", "tai khoan bi vo hieu hoa"),
    ("Quen mat khau", ""),
]
NOT_LOGIN = [
    ("Video lesson 3 not playing", "Video of lesson 3 keeps buffering for my students."),
    ("Lỗi nhập điểm", "Tôi đang nhập điểm thì hệ thống báo lỗi"),  # đang nhập ≠ đăng nhập
    ("Exam submission fails", "Students see an error when they press Submit"),
    ("Blog in the LMS", "The blog in the course page is empty"),
    ("New accounts", "Please create accounts for the new class"),
]
MANY = [
    ("Students cannot log in", "None of the students can log in"),
    ("Login down", "Everyone gets an error on the login page"),
    ("Không đăng nhập được", "Cả lớp WEB102 không đăng nhập được"),
    ("Không đăng nhập được", "Tất cả học viên đều báo lỗi đăng nhập"),
    ("khong dang nhap duoc", "ca lop khong vao duoc"),
]


@pytest.mark.parametrize(("title", "description"), LOGIN)
def test_login_wording_is_detected(title, description):
    found = detect(title, description)
    assert found.login and found.matched, found


@pytest.mark.parametrize(("title", "description"), NOT_LOGIN)
def test_other_tickets_are_not(title, description):
    assert not detect(title, description).login


@pytest.mark.parametrize(("title", "description"), MANY)
def test_a_problem_of_many_people_is_not_one_account(title, description):
    found = detect(title, description)
    assert not found.login and found.many_people and found.reason


def test_an_impact_of_several_users_is_not_one_account():
    assert not detect("Cannot log in", "", affected_users=12).login
    assert not detect("Cannot log in", "", scope="group").login


@pytest.mark.parametrize("key", sorted(TICKETS))
def test_the_scenario_tickets(key):
    ticket = TICKETS[key]
    assert detect(ticket["title"], ticket["description"]).login == (
        ticket["expect"]["outcome"] != "skipped")


def test_addresses_are_found_in_the_text_once_each():
    text = "Teacher Quang.Pham@campus.example.edu.vn (quang.pham@campus.example.edu.vn)."
    assert addresses_in(text) == ["quang.pham@campus.example.edu.vn"]


def test_a_coordinator_writes_for_the_teacher_they_name():
    person = affected_person(requester_email="ha.nguyen@campus.example.edu.vn",
                             requester_role="coordinator", text=TICKETS["106"]["description"])
    assert (person.email, person.source) == ("quang.pham@campus.example.edu.vn", "text")


def test_a_coordinator_naming_nobody_is_about_their_own_account():
    person = affected_person(requester_email="ha.nguyen@campus.example.edu.vn",
                             requester_role="coordinator", text="I can't log in")
    assert (person.email, person.source) == ("ha.nguyen@campus.example.edu.vn", "requester")


def test_a_coordinator_naming_several_people_names_nobody():
    person = affected_person(requester_email="ha@x.edu.vn", requester_role="coordinator",
                             text="a@x.edu.vn and b@x.edu.vn cannot log in")
    assert person.email == "" and person.mentioned == ["a@x.edu.vn", "b@x.edu.vn"]
    assert "2 addresses" in person.problem


def test_a_teacher_is_about_their_own_account_whatever_the_text_names():
    person = affected_person(requester_email="Thu.Tran@campus.example.edu.vn",
                             requester_role="teacher",
                             text="I can't log in; my colleague hoa@x.edu.vn neither")
    assert (person.email, person.source) == ("thu.tran@campus.example.edu.vn", "requester")
    assert person.mentioned == ["hoa@x.edu.vn"]


def test_someone_of_unknown_role_naming_one_address_writes_for_that_person():
    person = affected_person(requester_email="someone@gmail.com", requester_role="",
                             text="Please reactivate the account thu.tran@campus.example.edu.vn")
    assert (person.email, person.source) == ("thu.tran@campus.example.edu.vn", "text")
