"""Working time without the database: a target added to a start time in business hours
(08:00–17:00 Monday–Friday by default) or in calendar time, in zones with and without
daylight saving time."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsdesk.sla.hours import WorkingHours

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HALF_HOUR = 30 * 60

BUSINESS = WorkingHours(always_open=False)  # the default calendar: HCM, 08:00–17:00 Mon–Fri
CALENDAR = WorkingHours()  # 24/7


def at(zone, *args):
    return datetime(*args, tzinfo=zone)


def local(moment, zone=HCM):
    return moment.astimezone(zone).replace(tzinfo=None)


# --- business hours in Asia/Ho_Chi_Minh (no daylight saving time) -------------------------

def test_it_carries_a_friday_afternoon_ticket_over_the_weekend_to_monday_morning():
    received = at(HCM, 2026, 2, 20, 16, 50)  # Friday
    due = BUSINESS.add(received, HALF_HOUR)
    assert local(due) == datetime(2026, 2, 23, 8, 20)  # Monday


def test_it_starts_a_weekend_ticket_at_monday_opening():
    received = at(HCM, 2026, 2, 21, 11, 0)  # Saturday
    assert local(BUSINESS.add(received, HALF_HOUR)) == datetime(2026, 2, 23, 8, 30)


def test_it_starts_a_ticket_received_before_opening_at_opening():
    received = at(HCM, 2026, 2, 18, 6, 15)  # Wednesday, before 08:00
    assert local(BUSINESS.add(received, HALF_HOUR)) == datetime(2026, 2, 18, 8, 30)


def test_it_skips_a_holiday_on_monday():
    hours = WorkingHours(always_open=False, holidays=frozenset({date(2026, 2, 23)}))
    received = at(HCM, 2026, 2, 20, 16, 50)
    assert local(hours.add(received, HALF_HOUR)) == datetime(2026, 2, 24, 8, 20)  # Tuesday


def test_it_counts_only_open_hours_between_friday_evening_and_monday_morning():
    friday, monday = at(HCM, 2026, 2, 20, 16, 50), at(HCM, 2026, 2, 23, 8, 20)
    assert BUSINESS.between(friday, monday) == 1800


def test_it_counts_nothing_between_two_moments_of_one_weekend():
    saturday, sunday = at(HCM, 2026, 2, 21, 9, 0), at(HCM, 2026, 2, 22, 18, 0)
    assert BUSINESS.between(saturday, sunday) == 0


def test_it_counts_nothing_when_the_end_is_not_later():
    moment = at(HCM, 2026, 2, 18, 10, 0)
    assert BUSINESS.between(moment, moment - timedelta(hours=1)) == 0


def test_it_spans_a_whole_business_day_overnight():
    received = at(HCM, 2026, 2, 18, 10, 0)  # Wednesday
    assert local(BUSINESS.add(received, 9 * 3600)) == datetime(2026, 2, 19, 10, 0)


def test_it_answers_in_utc_with_the_zone_offset_applied():
    received = at(HCM, 2026, 2, 20, 16, 50)  # 09:50 UTC
    due = BUSINESS.add(received, HALF_HOUR)
    assert due.utcoffset() == timedelta(0)
    assert due == datetime(2026, 2, 23, 1, 20, tzinfo=UTC)
    assert due - received == timedelta(days=2, hours=15, minutes=30)


# --- business hours where daylight saving time changes -----------------------------------

BERLIN_BUSINESS = WorkingHours(always_open=False, zone=BERLIN)
NEW_YORK_BUSINESS = WorkingHours(always_open=False, zone=NEW_YORK)


@pytest.mark.parametrize(
    ("hours", "zone", "friday", "monday", "elapsed"),
    [
        # Berlin springs forward on Sunday 30 March 2025: the weekend is an hour shorter.
        (BERLIN_BUSINESS, BERLIN, (2025, 3, 28), (2025, 3, 31), timedelta(days=2, hours=14,
                                                                          minutes=30)),
        # Berlin falls back on Sunday 26 October 2025: the weekend is an hour longer.
        (BERLIN_BUSINESS, BERLIN, (2025, 10, 24), (2025, 10, 27), timedelta(days=2, hours=16,
                                                                            minutes=30)),
        # New York springs forward on Sunday 9 March 2025.
        (NEW_YORK_BUSINESS, NEW_YORK, (2025, 3, 7), (2025, 3, 10), timedelta(days=2, hours=14,
                                                                             minutes=30)),
        # New York falls back on Sunday 2 November 2025.
        (NEW_YORK_BUSINESS, NEW_YORK, (2025, 10, 31), (2025, 11, 3), timedelta(days=2, hours=16,
                                                                               minutes=30)),
    ],
    ids=["berlin-march", "berlin-october", "new-york-march", "new-york-november"],
)
def test_it_keeps_the_local_due_time_across_a_daylight_saving_weekend(
        hours, zone, friday, monday, elapsed):
    received = at(zone, *friday, 16, 50)
    due = hours.add(received, HALF_HOUR)
    assert local(due, zone) == datetime(*monday, 8, 20)
    assert due - received == elapsed
    assert hours.between(received, due) == 1800


# A calendar open every night 00:00–06:00 local: on the day the clocks change the
# window is 5 real hours (spring) or 7 (autumn), and only real seconds count.
NIGHTS_BERLIN = WorkingHours(always_open=False, zone=BERLIN, days=frozenset(range(7)),
                             opens=time(0, 0), closes=time(6, 0))
NIGHTS_NEW_YORK = WorkingHours(always_open=False, zone=NEW_YORK, days=frozenset(range(7)),
                               opens=time(0, 0), closes=time(6, 0))


def test_it_counts_a_spring_forward_night_as_five_real_hours():
    night = at(BERLIN, 2025, 3, 30, 0, 0)
    assert NIGHTS_BERLIN.between(night, at(BERLIN, 2025, 3, 30, 6, 0)) == 5 * 3600
    assert local(NIGHTS_BERLIN.add(night, 5 * 3600), BERLIN) == datetime(2025, 3, 30, 6, 0)
    # One more hour of work rolls over to the next night.
    assert local(NIGHTS_BERLIN.add(night, 6 * 3600), BERLIN) == datetime(2025, 3, 31, 1, 0)


def test_it_counts_a_fall_back_night_as_seven_real_hours():
    night = at(NEW_YORK, 2025, 11, 2, 0, 0)
    assert NIGHTS_NEW_YORK.between(night, at(NEW_YORK, 2025, 11, 2, 6, 0)) == 7 * 3600
    # Six real hours after 00:00 EDT is 05:00 EST, an hour before closing.
    assert local(NIGHTS_NEW_YORK.add(night, 6 * 3600), NEW_YORK) == datetime(2025, 11, 2, 5, 0)


# --- calendar time ------------------------------------------------------------------------

def test_it_adds_calendar_time_as_plain_elapsed_seconds():
    saturday = at(HCM, 2026, 2, 21, 23, 55)
    assert CALENDAR.add(saturday, 600) == saturday + timedelta(minutes=10)
    assert CALENDAR.between(saturday, saturday + timedelta(hours=30)) == 30 * 3600


def test_it_adds_calendar_time_across_a_daylight_saving_change_in_real_hours():
    hours = WorkingHours(zone=BERLIN)  # always open: the zone does not matter
    saturday_noon = at(BERLIN, 2025, 3, 29, 12, 0)
    due = hours.add(saturday_noon, 24 * 3600)
    assert local(due, BERLIN) == datetime(2025, 3, 30, 13, 0)  # clocks went forward
    assert hours.between(saturday_noon, due) == 24 * 3600


def test_it_treats_a_target_of_zero_or_less_as_due_at_the_start():
    moment = at(HCM, 2026, 2, 21, 9, 0)  # Saturday: closed, yet nothing is owed
    assert BUSINESS.add(moment, 0) == moment
    assert BUSINESS.add(moment, -60) == moment


# --- a broken calendar --------------------------------------------------------------------

def test_it_refuses_a_calendar_with_no_working_days():
    with pytest.raises(ValueError):
        WorkingHours(always_open=False, days=frozenset())


def test_it_refuses_a_calendar_that_closes_before_it_opens():
    with pytest.raises(ValueError):
        WorkingHours(always_open=False, opens=time(17, 0), closes=time(8, 0))


def test_it_refuses_to_look_more_than_ten_years_ahead_for_working_time():
    # Open on Thursdays only, and every Thursday of the next ten years is a holiday.
    hours = WorkingHours(always_open=False, days=frozenset({3}),
                         holidays=frozenset(date(2026, 1, 1) + timedelta(days=d)
                                            for d in range(3700)))
    with pytest.raises(ValueError):
        hours.add(at(HCM, 2026, 1, 1, 9, 0), 60)


# --- properties ---------------------------------------------------------------------------

CALENDARS = st.sampled_from([
    BUSINESS,
    WorkingHours(always_open=False, holidays=frozenset({date(2026, 2, 23), date(2026, 4, 30)})),
    BERLIN_BUSINESS,
    NEW_YORK_BUSINESS,
    NIGHTS_BERLIN,
    NIGHTS_NEW_YORK,
    WorkingHours(always_open=False, zone=NEW_YORK, days=frozenset({5, 6}),
                 opens=time(1, 30), closes=time(2, 30)),  # weekends, inside the DST hour
])
STARTS = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31),
                      timezones=st.just(UTC))
TARGETS = st.integers(min_value=0, max_value=5 * 9 * 3600)  # up to five business days
PROPERTY = settings(deadline=None, max_examples=200)


@PROPERTY
@given(hours=CALENDARS, start=STARTS, seconds=TARGETS)
def test_it_is_never_due_before_it_started(hours, start, seconds):
    assert hours.add(start, seconds) >= start


@PROPERTY
@given(hours=CALENDARS, start=STARTS, a=TARGETS, b=TARGETS)
def test_it_never_gives_an_earlier_due_time_for_a_longer_target(hours, start, a, b):
    shorter, longer = sorted((a, b))
    assert hours.add(start, shorter) <= hours.add(start, longer)


@PROPERTY
@given(hours=CALENDARS, start=STARTS, seconds=TARGETS)
def test_it_counts_back_exactly_the_working_time_it_added(hours, start, seconds):
    assert hours.between(start, hours.add(start, seconds)) == pytest.approx(seconds, abs=1)
