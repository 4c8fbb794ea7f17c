"""The terms tickets are compared by: English and Vietnamese, with or without diacritics."""

from opsdesk.duplicates.text import content_terms, fold, terms_of


def test_vietnamese_folds_to_plain_letters():
    assert fold("Không Đăng Nhập Được") == "khong dang nhap duoc"


def test_vietnamese_with_and_without_diacritics_gives_the_same_terms():
    assert content_terms("Không đăng nhập được LMS") == content_terms("khong dang nhap duoc lms")


def test_english_and_vietnamese_wording_meet_on_one_term():
    assert content_terms("Cannot log in to the LMS") == ["login", "lms"]
    assert content_terms("Không đăng nhập được LMS") == ["login", "lms"]
    assert content_terms("Exam submissions fail") == ["exam", "submit", "fail"]
    assert content_terms("Không nộp được bài thi") == ["submit", "exam"]


def test_stop_words_references_numbers_emails_and_links_are_not_content():
    terms = content_terms("Re: #00042 please help, 53 students at 15:10 — write to "
                          "ngoc.a.le@campus.example.edu.vn or see https://lms.example/x?id=7")
    assert terms == ["student"]


def test_class_codes_stay_whole():
    assert content_terms("Lớp WEB102-HN") == ["web102-hn"]


def test_groups_and_tags_count_more_than_description_words():
    terms = terms_of(title="Video not playing", description="WEB101-HN lesson video",
                     groups=["WEB101-HN"], tags=["video"])
    assert terms == {"video": 1.5, "play": 1.5, "web101-hn": 2.0, "lesson": 1.0}


def test_only_the_first_part_of_a_long_description_counts():
    long = "Exam submission fails. " + "x " * 400 + "gradebook"
    assert "grade" not in terms_of(title="", description=long)


def test_a_word_folding_makes_ambiguous_counts_only_in_its_phrase():
    assert content_terms("Tài khoản bị khóa") == ["account", "locked"]
    assert content_terms("Video khóa Web Development") == ["video", "web", "development"]
    assert content_terms("Khóa học Python") == ["course", "python"]
