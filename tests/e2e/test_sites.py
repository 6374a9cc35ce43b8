"""Per-site overrides (config.yaml `sites:`): validated at start-up, applied by host."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.site import NewsSite, Response
from tracker.config import config_from_mapping
from tracker.errors import ConfigError
from tracker.store.models import Version

ODD_PAGE = """<html><head><title>Odd layout | Odd</title></head><body>
<div class="c1"><p>Navigation home world sport business culture opinion weather</p></div>
<div class="headline-box">Council approves the harbour plan</div>
<table class="layout"><tr><td class="x">
<span class="t">The council approved the harbour plan on Friday after a long debate.</span>
<span class="t">Work will start in the spring and last two years, officials said.</span></td>
<td class="promo"><p>Subscribe today and save forty percent on your first year of access.</p>
</td></tr></table>
</body></html>"""


@pytest.mark.parametrize(
    ("sites", "message"),
    [
        (
            {"example.org": {"drop": ["div[["]}},
            "sites.example.org.drop: item 0: 'div[[' is not a CSS selector",
        ),
        ({"example.org": {"kep": [".body"]}}, "sites.example.org.kep: unknown key"),
        ({"https://example.org": {"keep": [".body"]}}, "is not a host name"),
    ],
)
def test_overrides_are_validated_at_start_up(sites: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match="sites") as raised:
        config_from_mapping({"sites": sites})
    assert message in str(raised.value)


def test_rules_apply_to_the_host_and_its_subdomains() -> None:
    config = config_from_mapping({"sites": {"www.example.org": {"drop": [".promo"]}}})
    assert config.site_rules("example.org") == config.site_rules("news.example.org")
    assert config.site_rules("example.org") is not None
    assert config.site_rules("example.com") is None


def test_keep_and_drop_selectors_extract_an_odd_layout(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    site.route("/odd/1", lambda _r: Response(body=ODD_PAGE.encode()))
    tracker = make_tracker(
        db_url,
        sources=[{"name": "odd", "urls": [site.url("/odd/1")]}],
        sites={"127.0.0.1": {"keep": ["td.x span.t"], "drop": [".promo"]}},
    )
    assert tracker.cycle() == {"new_version": 1}
    with tracker.session() as session:
        version = session.scalar(select(Version))
    assert version is not None
    assert version.body.split("\n\n") == [
        "The council approved the harbour plan on Friday after a long debate.",
        "Work will start in the spring and last two years, officials said.",
    ]
