"""HTTP fetching (httpx, asynchronous): the network edge.

Rule: imports `tracker.core` and the leaves only, never the database
(`tracker.store`) nor the check or read sides; what several processes share
(host turns) comes in through the `politeness.Ledger` protocol.

A fetch returns a value, never raises for the network's sake: a `Page`, a
`NotModified` (an ordinary answer to a conditional request) or a
`FetchFailure` that says what went wrong in a word (`kind`) and a sentence.

Redirects are followed here, hop by hop, so that every hop is checked against
the private-address rule and robots.txt, and loops are caught. Each hop's host
name is looked up once (by the `Fetcher`'s `resolver`, the system's by default)
and its connection goes to the addresses that lookup gave and the rules checked,
never to a second lookup's (DNS pinning: no rebinding), with the Host header and
the TLS server name still the name; the `Exchange` kept with a page records the
address connected to. Bodies are streamed and cut at `max_bytes`; a body shorter
than its Content-Length is `truncated`.

Politeness, per host (`tracker.fetch.politeness`): at most `per_host_concurrency`
requests in flight, requests started at least `per_host_delay` apart (or the
robots.txt Crawl-delay, if longer), robots.txt obeyed (RFC 9309: a 4xx
robots.txt allows everything, an unreachable one disallows for a while), and a
429 or 503 with Retry-After holds the host back for that long (at most
`max_retry_after`). Waiting for a turn is not part of any timeout: `timeout`
bounds each request's network exchange from when it is sent (connect, each
read, and the whole response), and twice `timeout` bounds the network time of
a whole redirect chain. A fetch that cannot get its turn before its
`not_after` raises `Postponed`: nothing was asked, nothing failed.

Its rooms: `results` (what a fetch returns), `client` (the `Fetcher`: redirects
hop by hop, limits, reading a response), `addresses` (which URLs may be asked,
and where they lead), `pinning` (connections to the addresses checked),
`robots`, `politeness` (each host's turns) and `decoding` (Content-Encoding
undone within the size limit). This module is the surface: what other layers
import comes from here, but for `warc` (WARC and ARC files read as the pages a
fetch returns, for `tracker import`), imported from its own module so that a
check never loads warcio.
"""

from tracker.fetch.addresses import IPAddress, Resolver, embedded_ipv4, is_public
from tracker.fetch.client import Fetcher
from tracker.fetch.politeness import Ledger, Postponed, Turns
from tracker.fetch.results import Exchange, FetchFailure, FetchResult, Headers, NotModified, Page

__all__ = [
    "Exchange",
    "FetchFailure",
    "FetchResult",
    "Fetcher",
    "Headers",
    "IPAddress",
    "Ledger",
    "NotModified",
    "Page",
    "Postponed",
    "Resolver",
    "Turns",
    "embedded_ipv4",
    "is_public",
]
