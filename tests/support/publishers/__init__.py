"""Real publishers' page templates as a simulated site: real article texts (read from
../shared/corpus at test time) poured into small rebuilds of real captures' structure
(one module per layout; each module's docstring names the capture it follows), a
newsroom that edits them as editors do and keeps the truth of each step, re-capture
pairs (one story, its site redesigned under it), pages that declare no date, and the
figures of issue 22 measured on tracker's export.

- `story`: a story and the request it is rendered for; `chrome`: what every layout needs;
- `bbc2015`, `bbc2020`, `bbc2024`, `nytimes` (`nyt2018`, `nyt2020`), `guardian2012`,
  `guardian2019`, `wapo2019`, `wapo2024`, `cnn2016`, `cnn2023`, `nodate`: the layouts,
  `layouts` names them;
- `texts`: the corpus texts; `edits`: the edits; `hosts`: a publisher on loopback;
  `mastheads`: who publishes what; `desk`: the newsroom and its truth; `figures`: the
  measures.
"""

from tests.support.publishers.desk import Desk
from tests.support.publishers.figures import Figure, Run, run
from tests.support.publishers.hosts import Host
from tests.support.publishers.mastheads import history_hosts, nodate_host, pair_hosts

__all__ = ["Desk", "Figure", "Host", "Run", "history_hosts", "nodate_host", "pair_hosts", "run"]
