"""Whether a new password is acceptable (pure rules, no I/O).

Length alone is a poor measure: ``Password2026!`` is long and guessed at once. The policy
asks zxcvbn (the reference strength estimator) how guessable the password is, refuses the
passwords of its common-password list outright, and refuses one built around the login.
"""

from __future__ import annotations

from dataclasses import dataclass

from zxcvbn import zxcvbn
from zxcvbn.matching import RANKED_DICTIONARIES

COMMON_PASSWORDS = RANKED_DICTIONARIES["passwords"]
"""zxcvbn's list of the most common leaked passwords (lower case, ranked)."""
ESTIMATED_LENGTH = 100
"""zxcvbn's cost grows with length; past this many characters only the start is scored."""


@dataclass(frozen=True)
class PasswordPolicy:
    """The settings of the rule: minimum length and the lowest zxcvbn score (0-4) allowed."""

    min_length: int = 10
    min_strength: int = 3


def password_problems(password: str, login: str, policy: PasswordPolicy) -> list[str]:
    """What is wrong with ``password`` as the password of ``login`` (empty: acceptable).

    Checked in order of cheapness; the strength estimate runs only on a password that
    passes the plain rules, with the login as a word the guesser knows.
    """
    problems: list[str] = []
    folded, name = password.casefold(), login.strip().casefold()
    if len(password) < policy.min_length:
        problems.append(f"the password must have at least {policy.min_length} characters")
    if name and name in folded:
        problems.append("the password must not contain the login")
    if folded in COMMON_PASSWORDS:
        problems.append("the password is a commonly used one")
    if problems:
        return problems
    estimate = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=[name] if name else [])
    if estimate["score"] < policy.min_strength:
        problems.append(
            f"the password is too easy to guess (strength {estimate['score']} of 4, "
            f"at least {policy.min_strength} needed)"
        )
    return problems
