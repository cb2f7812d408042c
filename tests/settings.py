"""Settings of the test suite (the only place tests read the environment)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TestSettings(BaseSettings):
    """Which server the tests use; the suite makes its own database there."""

    __test__ = False
    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/postgres", validation_alias="DATABASE_URL"
    )
    role_prefix: str = Field(default="kam_", validation_alias="KAM_DB_ROLE_PREFIX")
    worker: str = Field(default="main", validation_alias="PYTEST_XDIST_WORKER")
    # Contract fuzzing (tests/e2e/test_contract_fuzz.py): examples per operation and phase,
    # and the seed; none means derandomized, the same cases every run (CI).
    fuzz_max_examples: int = Field(default=2, ge=1, validation_alias="KAM_FUZZ_MAX_EXAMPLES")
    fuzz_seed: int | None = Field(default=None, validation_alias="KAM_FUZZ_SEED")
