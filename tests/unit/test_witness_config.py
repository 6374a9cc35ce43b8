"""The `witness` section: a source's witness must be one of the destinations, names are
unique, kinds and URLs are checked, and keys are never in the file (only the names of
the environment variables that hold them)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tracker.config import config_from_mapping
from tracker.errors import ConfigError

IA = {"name": "ia", "kind": "spn", "access_key_env": "IA_KEY", "secret_env": "IA_SECRET"}


def load(**raw: Any) -> Any:
    return config_from_mapping(raw)


def test_a_source_names_one_of_the_destinations() -> None:
    config = load(
        sources=[{"name": "dw", "urls": ["https://dw.example/a"], "witness": "ia"}],
        witness={"destinations": [IA]},
    )
    assert config.sources[0].witness == "ia"
    assert config.witness.destinations[0].url == "https://web.archive.org"
    with pytest.raises(ConfigError, match=re.escape("witness 'archive' is not in witness.destinations")):
        load(
            sources=[{"name": "dw", "urls": ["https://dw.example/a"], "witness": "archive"}],
            witness={"destinations": [IA]},
        )


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        ({**IA, "kind": "wayback"}, "witness.destinations.0.kind"),
        ({**IA, "url": "ftp://archive.example"}, "is not an http"),
        ({**IA, "name": "two words"}, "witness.destinations.0.name"),
        ({**IA, "access_key": "AKIA123"}, "witness.destinations.0.access_key: unknown key"),
    ],
)
def test_a_bad_destination_is_a_config_error_that_names_its_key(
    destination: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load(witness={"destinations": [destination]})


def test_destination_names_are_unique() -> None:
    with pytest.raises(ConfigError, match="names must be unique"):
        load(
            witness={
                "destinations": [IA, {"name": "ia", "kind": "pywb-record", "url": "http://127.0.0.1:8080/w"}]
            }
        )
