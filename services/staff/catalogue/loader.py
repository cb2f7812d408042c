"""Read the shipped catalogue and demo people from YAML and validate them.

Pure: nothing here touches a database or the network, and nothing runs at import time.
Callers that read the catalogue often should keep the returned (immutable) object.
"""

from pathlib import Path
from typing import Final

import yaml

from services.staff.catalogue.schema import Catalogue, DemoPeople

CATALOGUE_PATH: Final = Path(__file__).with_name("key_account_department.yaml")
"""The key-account department catalogue shipped with the staff service."""

DEMO_PEOPLE_PATH: Final = Path(__file__).with_name("demo_people.yaml")
"""The demo employees shipped with the staff service."""


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and validate a catalogue; the shipped one when ``path`` is None.

    Raises ``pydantic.ValidationError`` when the file does not describe a consistent
    department (see :class:`Catalogue`), and ``OSError`` / ``yaml.YAMLError`` when it
    cannot be read or parsed.
    """
    return Catalogue.model_validate(_read_yaml(path or CATALOGUE_PATH))


def load_demo_people(path: Path | None = None, *, catalogue: Catalogue | None = None) -> DemoPeople:
    """Load and validate demo employees; the shipped ones when ``path`` is None.

    Every person's position is checked against ``catalogue`` (the shipped catalogue when
    None).
    """
    against = catalogue if catalogue is not None else load_catalogue()
    return DemoPeople.model_validate(
        _read_yaml(path or DEMO_PEOPLE_PATH), context={"catalogue": against}
    )


def _read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)
