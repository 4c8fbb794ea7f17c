"""A labelled set of reports for measuring incident matching, generated from a seed.

Five incidents (exam submission down, a lesson video that will not play, a class that
cannot log in, grades not showing, slow pages), each opened from its first report and
reported again and again in English and Vietnamese, with and without diacritics, in
varied words (some far from the incident's title, as an outage's first reports often are:
"Students can't hand in the final exam", "Exam submit button does nothing", "Không gửi
được bài thi"), from different classes; between them, tickets about something else that
share their words: an exam schedule question, handing in a late assignment, a password
reset for one teacher, a feature request for videos, an error uploading a lecture video,
a grade correction, a slow home connection, and the everyday rest.

    labelled_set(seed=21) → LabelledSet(incidents=[…], reports=[…]) in time order

Each report names the incident it is a report of (or None). The same seed gives the same set.
"""

import random
from dataclasses import dataclass, field

from opsdesk.duplicates.text import fold

CLASSES = ("WEB101-HN-2024", "WEB102-HN", "DATA101-SG", "DATA102-SG", "MOBILE201-HN",
           "WEB201-HN", "PY101-DN", "AI301-SG")


@dataclass(frozen=True)
class IncidentSpec:
    key: str
    title: str
    summary: str
    groups: tuple[str, ...]
    tags: tuple[str, ...]
    opens_at: int  # minutes from the start of the set
    resolves_at: int | None = None  # minutes; then watched until WATCH minutes later
    class_only: bool = False  # reported by its groups only (else by any class, its own most)


@dataclass(frozen=True)
class Report:
    at: int  # minutes from the start of the set
    title: str
    description: str
    language: str
    tags: tuple[str, ...]
    groups: tuple[str, ...]
    incident: str | None  # the key of the incident it is a report of
    opens: bool = False  # its incident is opened from it


@dataclass
class LabelledSet:
    incidents: list[IncidentSpec]
    reports: list[Report] = field(default_factory=list)


WATCH = 24 * 60
HOUR = 60

INCIDENTS = (
    IncidentSpec("exam", "Exam submission fails with a system error",
                 "Final exam submissions fail with 'System error - please contact "
                 "administrator'.", ("WEB102-HN", "DATA101-SG", "MOBILE201-HN"),
                 ("LMS", "exam"), opens_at=2 * HOUR, resolves_at=20 * HOUR),
    IncidentSpec("video", "Lesson 3 video not playing", "The lesson 3 video buffers and "
                 "never starts.", (), ("LMS", "video"), opens_at=5 * HOUR),
    IncidentSpec("login", "Students of WEB201-HN cannot log in", "The whole class gets "
                 "'invalid username or password' at sign-in.", ("WEB201-HN",),
                 ("LMS", "login"), opens_at=26 * HOUR, class_only=True),
    IncidentSpec("grades", "Grades not showing in the gradebook", "The gradebook shows no "
                 "grades since the update.", (), ("LMS", "grades"), opens_at=30 * HOUR),
    IncidentSpec("slow", "LMS pages very slow", "Pages take more than 30 seconds to load "
                 "and time out.", (), ("LMS", "performance"), opens_at=50 * HOUR),
)

# (titles, descriptions) per language; {code} is a class, {n} a number of people.
WORDING: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "exam": {
        "en": (("Cannot submit final exam", "Exam submission fails with system error",
                "Students unable to submit their exam in {code}",
                "Final exam submit button gives an error",
                "URGENT: exam submissions failing for {code}",
                "Exam won't submit - 'System error - please contact administrator'",
                "Submitting the final test fails", "Exam hand-in broken",
                # Worded away from the incident's title, as early reports often are.
                "Students can't hand in the final exam", "Final exam won't turn in for {code}",
                "Cannot upload my answers at the end of the exam",
                "Exam submit button does nothing", "Test hand-in not working?"),
               ("When students click Submit on the final exam they get 'System error - "
                "please contact administrator'.",
                "{n} students in my class could not submit the exam, the page shows an error.",
                "The exam submission keeps failing, students are panicking.",
                "Nobody in {code} can submit the test, it says system error.",
                "Submitting answers fails every time for the final exam of {code}.",
                "The submit button on the final exam does nothing when they click it.",
                "Nobody in {code} can turn in the test, the page says 'Something went wrong'.",
                "{n} students got 'Internal Server Error' when handing in their exam.")),
        "vi": (("Không nộp được bài thi cuối kỳ", "Lỗi khi nộp bài thi - lớp {code}",
                "Học sinh không nộp được bài kiểm tra", "Hệ thống nộp bài thi bị lỗi",
                "Gấp: lớp {code} không nộp được bài thi", "Bấm nộp bài thi không có phản hồi",
                "Nút nộp bài kiểm tra không hoạt động", "Không gửi được bài thi cuối kỳ"),
               ("Các em bấm nộp bài thi thì hiện 'System error - please contact "
                "administrator'.",
                "Cả lớp {code} không nộp được bài thi cuối kỳ.",
                "Sinh viên báo lỗi khi nộp bài thi, đã thử nhiều lần vẫn không được.",
                "{n} học sinh không nộp được bài kiểm tra cuối kỳ, hệ thống báo lỗi.",
                "Các em bấm nút nộp bài nhưng không có gì xảy ra, bài thi vẫn chưa nộp.",
                "Lớp {code} gửi bài thi bị hỏng, báo 'Internal Server Error'.")),
    },
    "video": {
        "en": (("Lesson 3 video not playing", "Video lesson 3 keeps buffering",
                "Can't watch the lesson 3 video", "Lesson video stuck loading for {code}",
                "Video in lesson 3 shows a black screen", "Lesson 3 video won't start",
                "Lecture video for lesson 3 broken"),
               ("The video spins forever and never starts.",
                "Students see a black screen when they open the lesson 3 video.",
                "Playback stops after a few seconds and keeps buffering.",
                "The lesson video does not load for my students in {code}.",
                "{n} students told me the lesson 3 video will not play on phone or laptop.")),
        "vi": (("Video bài giảng 3 không phát được", "Không xem được video bài học 3",
                "Video bài 3 bị đứng, tải mãi không được", "Lỗi phát video bài giảng lớp {code}",
                "Video bài giảng số 3 bị lỗi"),
               ("Học sinh mở video bài giảng 3 thì màn hình đen.",
                "Video cứ quay vòng tải mãi không xem được.",
                "Các em lớp {code} không xem được video bài học 3.",
                "Video bài giảng không phát, {n} em đã báo.")),
    },
    "login": {
        "en": (("Whole class can't log in to LMS", "Students of {code} unable to sign in",
                "Login fails for all students in {code}",
                "Invalid password error for my whole class at login",
                "Nobody in {code} can log into the LMS", "Class {code} locked out of LMS"),
               ("Since this morning every student in {code} gets 'invalid username or "
                "password' when signing in.",
                "My students cannot log in, the login page says their credentials are wrong "
                "although nothing changed.",
                "All {n} students of {code} cannot sign in to the LMS.",
                "The whole class gets a login error, other classes seem fine.")),
        "vi": (("Cả lớp {code} không đăng nhập được", "Học sinh lớp {code} không đăng nhập "
                "được LMS", "Lỗi đăng nhập cho cả lớp {code}", "Lớp {code} không vào được LMS"),
               ("Từ sáng nay cả lớp {code} đăng nhập đều báo sai mật khẩu.",
                "Các em không đăng nhập được hệ thống, báo lỗi sai tên đăng nhập hoặc mật khẩu.",
                "{n} học sinh lớp {code} không đăng nhập được.")),
    },
    "grades": {
        "en": (("Grades not showing in the gradebook", "Gradebook is empty",
                "Students can't see their grades", "Scores disappeared from gradebook for {code}",
                "Grades page blank since the update", "No marks visible in the gradebook"),
               ("The gradebook shows no grades for any assignment, students are asking.",
                "All marks disappeared from the grade report of {code}.",
                "Students open Grades and the page is empty.",
                "{n} students say their scores are gone from the gradebook.")),
        "vi": (("Không xem được điểm", "Bảng điểm bị trống", "Điểm của học sinh không hiển thị",
                "Sổ điểm lớp {code} mất hết điểm"),
               ("Học sinh vào xem điểm nhưng bảng điểm trống trơn.",
                "Điểm các bài tập không hiển thị trên hệ thống.",
                "Bảng điểm lớp {code} không hiện điểm nào, {n} em hỏi.")),
    },
    "slow": {
        "en": (("LMS is very slow", "Pages take more than 30 seconds to load",
                "Course pages extremely slow for {code}", "LMS performance issue - everything lags",
                "Timeouts when opening course pages", "LMS crawling today"),
               ("Every page takes 30+ seconds to load and sometimes times out.",
                "The LMS is crawling, students cannot open their course pages.",
                "Opening any course page takes forever for {code}.",
                "{n} students report the LMS pages load very slowly.")),
        "vi": (("Hệ thống LMS rất chậm", "Trang khóa học tải rất chậm",
                "LMS bị chậm, mở trang mất cả phút", "Lớp {code} vào trang rất chậm"),
               ("Mở trang nào cũng mất hơn 30 giây, có lúc báo hết thời gian chờ.",
                "Học sinh không mở được trang khóa học vì quá chậm.",
                "Hệ thống LMS chậm, {n} em lớp {code} không làm bài được.")),
    },
}

# Tickets about something else that share words with the incidents: (title, description,
# language, tags). {code} is a class.
UNRELATED: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("When is the final exam for {code}?", "Could you tell me the date of the final exam?",
     "en", ("exam",)),
    ("Exam schedule question", "Is the exam schedule for {code} published yet?", "en", ()),
    ("Can the final exam be moved to next week?", "Two students are travelling for a "
     "competition.", "en", ("exam",)),
    ("Request extra time on the exam for a student", "One student in {code} has an approved "
     "accommodation.", "en", ()),
    ("Lịch thi cuối kỳ lớp {code}", "Cho em hỏi lịch thi cuối kỳ khi nào có ạ?", "vi", ()),
    ("Xin dời ngày thi giữa kỳ", "Lớp {code} trùng lịch thi môn khác.", "vi", ("exam",)),
    ("Password reset for my teacher account", "I forgot my password, please send a reset "
     "link.", "en", ("account",)),
    ("Forgot my password", "I cannot remember my LMS password.", "en", ()),
    ("Account deactivated - cannot log in to LMS", "My teacher account was deactivated, I "
     "cannot log in.", "en", ("login", "account")),
    ("Please reset the password of teacher Tran Thi Thu", "She is locked out after too many "
     "attempts.", "en", ()),
    ("Quên mật khẩu đăng nhập", "Giáo viên quên mật khẩu tài khoản LMS, nhờ đặt lại giúp.",
     "vi", ()),
    ("Tài khoản bị khóa", "Tài khoản giáo viên của tôi bị khóa sau khi nhập sai mật khẩu.",
     "vi", ("account",)),
    ("Feature request: download lesson videos for offline viewing", "Students with poor "
     "connections would like to download the videos.", "en", ("feature-request",)),
    ("Can we add subtitles to lesson videos?", "Vietnamese subtitles would help {code}.",
     "en", ("feature-request", "video")),
    ("Đề xuất thêm phụ đề cho video bài giảng", "Nhiều học sinh muốn có phụ đề tiếng Việt.",
     "vi", ()),
    ("How do I upload a video to my course?", "I recorded a new lecture for {code}.", "en",
     ("video",)),
    ("Lesson 5 video has the wrong audio", "The sound of lesson 5 is from another course.",
     "en", ()),
    ("My grade for assignment 2 is wrong", "I got 6 but the teacher said 8, please check.",
     "en", ("grades",)),
    ("Please re-check my exam score", "I think my final exam was graded wrongly.", "en", ()),
    ("Xin phúc khảo điểm bài thi", "Em muốn phúc khảo điểm bài thi cuối kỳ.", "vi", ()),
    ("How are final grades calculated?", "Is attendance part of the final grade in {code}?",
     "en", ()),
    ("My home internet is slow, can I get extra time?", "The connection at home keeps "
     "dropping during homework.", "en", ()),
    ("Zoom lagging during online class", "The Zoom call of {code} freezes every few minutes.",
     "en", ()),
    ("Report export is slow", "Exporting the attendance report takes a few minutes.", "en",
     ("reporting",)),
    ("Enrolment report needed for the Director by 5 PM", "The Director needs enrolment and "
     "completion numbers per campus.", "en", ("reporting",)),
    ("Add a new student to {code}", "A transfer student joins the class on Monday.", "en", ()),
    ("Certificate not issued after finishing the course", "I completed all lessons but got "
     "no certificate.", "en", ()),
    ("Feature request: notify parents when a student is absent", "Coordinators send absence "
     "messages by hand every day.", "en", ("feature-request",)),
    ("Đổi email tài khoản", "Em muốn đổi email đăng ký tài khoản.", "vi", ()),
    ("Thêm học sinh vào lớp {code}", "Lớp có thêm hai học sinh mới chuyển đến.", "vi", ()),
    ("Quiz in lesson 3 has a wrong answer key", "Question 4 of the lesson 3 quiz marks the "
     "right answer as wrong.", "en", ("quiz",)),
    ("Cannot upload assignment file larger than 10 MB", "A student's project file is 14 MB.",
     "en", ()),
    # Sharing the early reports' words: handing in, turning in, uploading, errors.
    ("How do students hand in a late assignment?", "One student in {code} missed the "
     "deadline because of illness.", "en", ()),
    ("Can students turn in the exam before the time is up?", "Some finish early in {code}.",
     "en", ("exam",)),
    ("Nộp bài tập muộn có được không?", "Em nộp bài tập muộn một ngày, thầy có chấm không ạ?",
     "vi", ()),
    ("Error when uploading my lecture video", "The upload of the new lecture for {code} "
     "fails at 90%.", "en", ("video",)),
    ("The print button on the certificate page does nothing", "I finished the course and "
     "want to print it.", "en", ()),
)

NOISE = {
    "en": ("", "", "Please help.", "Thanks in advance.", "We tried Chrome and Firefox.",
           "It was fine yesterday.", "This is blocking the class."),
    "vi": ("", "", "Nhờ hỗ trợ gấp ạ.", "Em cảm ơn.", "Hôm qua vẫn bình thường.",
           "Đã thử trên điện thoại và máy tính."),
}
PREFIXES = ("", "", "", "Re: ", "[LMS] ", "Help: ")


def _fill(rng: random.Random, text: str, code: str) -> str:
    return text.format(code=code.split("-2024")[0] if rng.random() < 0.5 else code,
                       n=rng.randint(3, 40))


def _style(rng: random.Random, language: str, title: str,
           description: str) -> tuple[str, str, str]:
    """The words as someone types them: Vietnamese half the time without diacritics."""
    noise = rng.choice(NOISE[language])
    title, description = rng.choice(PREFIXES) + title, f"{description} {noise}".strip()
    if language == "vi" and rng.random() < 0.45:
        title, description = fold(title), fold(description)
    return title, description, language


def _report(rng: random.Random, spec: IncidentSpec, at: int) -> Report:
    language = "vi" if rng.random() < 0.45 else "en"
    titles, descriptions = WORDING[spec.key][language]
    own = spec.groups and (spec.class_only or rng.random() < 0.8)
    code = rng.choice(spec.groups) if own else rng.choice(CLASSES)
    title, description, language = _style(rng, language, _fill(rng, rng.choice(titles), code),
                                          _fill(rng, rng.choice(descriptions), code))
    groups = (code,) if rng.random() < 0.7 else ()
    tags = tuple(t for t in spec.tags if rng.random() < 0.5)
    return Report(at, title, description, language, tags, groups, spec.key)


def _unrelated(rng: random.Random, at: int) -> Report:
    title, description, language, tags = rng.choice(UNRELATED)
    code = rng.choice(CLASSES)
    title, description, language = _style(rng, language, _fill(rng, title, code),
                                          _fill(rng, description, code))
    groups = (code,) if rng.random() < 0.5 else ()
    tags = (("LMS",) if rng.random() < 0.3 else ()) + (tags if rng.random() < 0.6 else ())
    return Report(at, title, description, language, tags, groups, None)


def _opening(spec: IncidentSpec) -> Report:
    return Report(spec.opens_at, spec.title, spec.summary, "en", spec.tags, spec.groups[:1],
                  spec.key, opens=True)


def labelled_set(*, seed: int = 21, per_incident: int = 45, unrelated: int = 140) -> LabelledSet:
    """Reports of the incidents (after each opens, until its watch ends) and unrelated
    tickets over three days, in time order."""
    rng = random.Random(seed)
    reports = [_opening(spec) for spec in INCIDENTS]
    for spec in INCIDENTS:
        last = spec.resolves_at + WATCH - HOUR if spec.resolves_at else spec.opens_at + 30 * HOUR
        reports += [_report(rng, spec, rng.randint(spec.opens_at + 5, last))
                    for _ in range(per_incident - 1)]
    reports += [_unrelated(rng, rng.randint(0, 80 * HOUR)) for _ in range(unrelated)]
    reports.sort(key=lambda r: (r.at, not r.opens))
    return LabelledSet(incidents=list(INCIDENTS), reports=reports)
