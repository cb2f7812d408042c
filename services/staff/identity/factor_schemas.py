"""Bodies of the second factor and company sign-on."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.staff.identity.schemas import TokenPair

ChallengeToken = Annotated[str, StringConstraints(min_length=20, max_length=100)]


class SecondFactorChallenge(BaseModel):
    """A right password of a person who must also prove a second factor: no tokens yet.
    Answer it at ``POST /v1/auth/second-factor`` (enrol first when
    ``enrolment_required``)."""

    challenge: str = Field(description="Short-lived and single-use; send it back with the code.")
    expires_in: int = Field(examples=[300], description="Seconds the challenge lives.")
    enrolment_required: bool = Field(
        description="True when the person has no authenticator yet: call "
        "`POST /v1/auth/second-factor/enrolment` first, then answer with its first code."
    )


class EnrolmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: ChallengeToken


class TotpEnrolment(BaseModel):
    """A new authenticator's secret: add it to an authenticator app (the URI as a QR code)."""

    secret: str = Field(examples=["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"])
    otpauth_uri: str = Field(
        examples=["otpauth://totp/KAM:wang.lei?secret=JBSWY3DPEHPK3PXP&issuer=KAM"]
    )
    challenge: str | None = Field(
        default=None,
        description="Set when a signed-in person enrols (`POST /v1/me/second-factor/enrolment`): "
        "answer this challenge with the app's first code at `POST /v1/auth/second-factor` to "
        "confirm the authenticator.",
    )


class RemovalRequest(BaseModel):
    """The authenticator's current code, proving the caller holds it."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class SecondFactorAnswer(BaseModel):
    """The challenge and either the authenticator's current code or a recovery code."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"challenge": "k1H…", "code": "492039"}]},
    )

    challenge: ChallengeToken
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")] | None = None
    recovery_code: Annotated[str, StringConstraints(min_length=10, max_length=20)] | None = None

    @model_validator(mode="after")
    def one_of_them(self) -> SecondFactorAnswer:
        if (self.code is None) == (self.recovery_code is None):
            raise ValueError("send either code or recovery_code")
        return self


class SecondFactorTokens(TokenPair):
    """Tokens after the second factor. ``recovery_codes`` appears once, when an
    authenticator was just enrolled: each works once in place of a code."""

    recovery_codes: list[str] | None = None
