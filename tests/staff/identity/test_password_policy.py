"""The password policy (pure rules): length, the login, common passwords, zxcvbn strength."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from services.staff.identity.password_policy import (
    COMMON_PASSWORDS,
    PasswordPolicy,
    password_problems,
)

POLICY = PasswordPolicy(min_length=10, min_strength=3)
logins = st.from_regex(r"[a-z][a-z0-9._-]{2,20}", fullmatch=True)
words = st.text(string.ascii_letters + string.digits + "-_!", max_size=30)


def test_a_long_unusual_password_is_accepted() -> None:
    assert password_problems("violet-harbour-lantern-58", "wang.lei", POLICY) == []
    assert password_problems("请改成一个长密码-2026", "wang.lei", POLICY) == []


def test_each_rule_says_what_is_wrong() -> None:
    assert password_problems("short", "wang.lei", POLICY) == [
        "the password must have at least 10 characters"
    ]
    assert password_problems("WANG.LEI-violet-harbour", "wang.lei", POLICY) == [
        "the password must not contain the login"
    ]
    assert password_problems("password12345", "wang.lei", POLICY) != []
    assert password_problems("1qaz2wsx3edc", "wang.lei", POLICY) == [
        "the password is a commonly used one"
    ]
    weak = password_problems("aaaaaaaaaaaaaaaa", "wang.lei", POLICY)
    assert len(weak) == 1 and weak[0].startswith("the password is too easy to guess")


@settings(deadline=None, max_examples=60)
@given(logins, words, words)
def test_a_password_containing_the_login_is_always_refused(
    login: str, before: str, after: str
) -> None:
    for shown in (login, login.upper(), login.title()):
        problems = password_problems(before + shown + after, login, POLICY)
        assert "the password must not contain the login" in problems


@settings(deadline=None, max_examples=60)
@given(st.text(max_size=9), logins)
def test_a_password_below_the_minimum_length_is_always_refused(password: str, login: str) -> None:
    assert "the password must have at least 10 characters" in password_problems(
        password, login, POLICY
    )


@settings(deadline=None, max_examples=60)
@given(st.sampled_from(sorted(w for w in COMMON_PASSWORDS if len(w) >= 10)))
def test_a_listed_common_password_is_refused_in_any_case(password: str) -> None:
    problems = password_problems(password.upper(), "wang.lei", PasswordPolicy(min_strength=0))
    assert "the password is a commonly used one" in problems


@settings(deadline=None, max_examples=40)
@given(st.text(string.ascii_letters + string.digits + " -_!", min_size=10, max_size=40))
def test_a_stricter_strength_never_accepts_what_a_laxer_one_refuses(password: str) -> None:
    verdicts = [
        password_problems(password, "wang.lei", PasswordPolicy(min_strength=s)) == []
        for s in range(5)
    ]
    assert verdicts == sorted(verdicts, reverse=True)  # accepted up to some strength only
