"""Every layout by name, as a site serves it: a function from a story and a request to
the page's HTML."""

from __future__ import annotations

from tests.support.publishers import (
    bbc2015,
    bbc2020,
    bbc2024,
    cnn2016,
    cnn2023,
    guardian2012,
    guardian2019,
    nyt2018,
    nyt2020,
    wapo2019,
    wapo2024,
)
from tests.support.publishers.hosts import Render

LAYOUTS: dict[str, Render] = {
    "bbc2015": bbc2015.render,
    "bbc2020": bbc2020.render,
    "bbc2024": bbc2024.render,
    "cnn2016": cnn2016.render,
    "cnn2023": cnn2023.render,
    "guardian2012": guardian2012.render,
    "guardian2012x": guardian2012.render_explainer,
    "guardian2019": guardian2019.render,
    "nyt2018": nyt2018.render,
    "nyt2020": nyt2020.render,
    "wapo2019": wapo2019.render,
    "wapo2024": wapo2024.render,
}
