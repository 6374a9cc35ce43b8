"""Names as people write them in a byline: "By Lauren Said-Moorhouse and James Frater,
CNN" -> "Lauren Said-Moorhouse, James Frater". A byline is text written for readers, so
it runs into labels, places, desks, dates and the publication's name; these rules keep
the people and nothing else, in this order (docs/reference/changes.md states them too):

1. a label before the names, or before one of them, is dropped ("By", "Written by",
   "Reporting by", "Additional reporting by", "Analysis by", "Von", "Par", "Interview:");
2. the text ends where something that is not a name begins: a separator after a space
   (a bar, a bullet, a dash), a timestamp's word ("Updated", "Published", "Posted",
   "Stand:"), an editor's credit ("Editing by"), a date or a time, a weekday before a
   date, a reporting verb in lower case ("says", "sagt": "Said" with a capital is a
   name, as in "Said-Moorhouse");
3. the names are split at commas, semicolons, "&", "|" and the word "and" ("und", "et", "y");
4. in each name, what follows the person is cut: from a word that starts with a digit
   (a date or a time run into it), a place or a desk ("in London", "for CNN"), a
   publication run into it ("McDonald The Guardian"), a web or mail address in brackets,
   and after two capitalised words, lower-case words that are no particle of a name
   (a title: "Bertille Bayart journaliste") and a job title ("Ben Silverman Games
   Editor", "PhillyVoice Staff", "Chefredakteur");
5. what is no person's name is dropped: a label or a placeholder alone ("By", "Posted
   on", "Name"), weekday and month names, web and mail addresses, a word that starts
   with a digit, more than five words; and after at least one person, a news
   organisation closing the byline (an acronym such as "CNN" or "AP", "The ..." such as
   "The Guardian", a name ending in "News" or "Press", "Reuters", "Bloomberg") or a job
   title ("Staff Writer"). An organisation alone stays: a wire can be the author.

Hyphens, apostrophes, particles (van, de, da, von, bin, Mc, Mac, O') and diacritics are
part of a name and kept as written.
"""

from __future__ import annotations

import re

from tracker.core.normalize import clean_text

# the longest name a byline holds: "Eduardo A. Santos Fuenzalida", "Jean-Paul de la Fontaine"
MAX_WORDS = 5

_WEEKDAYS = (
    "Monday|Mon|Tuesday|Tues|Tue|Wednesday|Wed|Thursday|Thurs|Thu|Friday|Fri|Saturday|Sat|Sunday|Sun"
    "|Montag|Mo|Dienstag|Di|Mittwoch|Mi|Donnerstag|Do|Freitag|Fr|Samstag|Sa|Sonntag|So"
    "|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    "|lunes|martes|miércoles|jueves|viernes|sábado|domingo"
)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Januar|Februar|März|Mai|Juni|Juli|Oktober|Dezember"
    "|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre"
    "|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"
)
_LABEL_VERBS = (
    r"written|reported|(?:additional\s+)?reporting|story|analysis|words|opinion|commentary|posted"
    r"|published|veröffentlicht|eingestellt|geschrieben|verfasst|erstellt|artikel|ein beitrag|publié"
    r"|publicado|escrito"
)
# a label before a byline; "di", "de", "af", "av" in lower case only ("Di Wang" is a name)
_LABEL = re.compile(
    rf"^\s*(?:(?i:{_LABEL_VERBS})\s*)?(?:(?i:by|par|von|vom|por|door)|di|af|av|de)[:\s]+"
    r"|^\s*(?i:author|authors|autor|autorin|autoren|auteur|text|texte|von|zum profil von)\s*:?\s+"
    r"|^\s*(?i:interview)\s*:\s*"
)
# a label before one of the names: "Jane Doe; Additional reporting by John Roe"
_NAME_LABEL = re.compile(
    rf"^\s*(?i:(?:{_LABEL_VERBS})\s+)?(?i:by|von|par|por)[:\s]+|^\s*(?i:interview)\s*:\s*"
)
_END = re.compile(
    r"\s(?:[•|·—–]|(?i:updated|published|posted|edited by|editing by|aktualisiert|veröffentlicht)\b|Stand:"
    r"|\d{1,2}[:/.]\d"
    r"|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d"
    r"|\d+\s*(?i:h|hrs?|hours?|m|mins?|minutes?|d|days?)\b"
    r"|(?i:am|um|le|el|on|vor|hace)\s+\d"
    rf"|(?:am|um|le|el|on)\s+(?i:{_WEEKDAYS})\b"
    rf"|(?:{_WEEKDAYS})\.?,?\s+(?:\d|{_MONTHS})"
    r"|(?:sagt|says|said|schreibt|writes)\b(?!-)"
    r").*$"
)
_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\|)\s*", re.IGNORECASE)
_UPPER = "A-ZÀ-ÖØ-Þ"  # a capital, as a place's, a desk's or a publication's name starts
# what follows the person inside one name: from a word that starts with a digit (a date,
# a time), a place ("in London"), a desk ("for CNN", "for The Mail"), a publication run
# into the name ("McDonald The Guardian")
_AFTER_PERSON = re.compile(
    rf"\s(?:\d.*|(?i:in)\s+[{_UPPER}].*|(?i:for|at)\s+(?:The\s|[A-Z]{{2,}}).*|The\s+[{_UPPER}].*)$"
)
# a job title after a name of two words or more, with a desk before it: "Ben Silverman
# Games Editor", "Adam Aaronson PhillyVoice Staff", "Christoph Hein Chefredakteur" (not
# the Telegraph's "Our Foreign Staff": that is the byline)
_TITLES = (
    r"Staff|Editor|Correspondent|Reporter|Writer|Contributor|Columnist|Chefredakteur|Chefredakteurin"
    r"|Redakteur|Redakteurin|Korrespondent|Korrespondentin"
)
_TITLE = re.compile(rf"^(?!Our\s)(\S+\s+\S.*?)\s+(?:[\w-]+\s+){{0,2}}(?:{_TITLES})$")
# the small words inside a name, written in lower case: "van", "de la", "bin", "d'"
_PARTICLE = re.compile(
    r"^(?:van|von|vom|der|den|des|de|del|della|dei|di|da|das|dos|do|du|la|le|lo|ter|ten|te|zu|zur"
    r"|bin|binti|bint|ibn|al|el|y|e|af|av|d'\S*|l'\S*)$"
)
_NOT_A_NAME = re.compile(r"https?://|www\.|@|\[at\]|(?:^|\s)\d|\d{4}", re.IGNORECASE)
# what a template prints where a name would be, or before a date
_PLACEHOLDERS = frozenset(
    {
        "name", "datum", "date", "follow", "no author", "posted", "posted on", "published",
        "published on", "updated", "veröffentlicht", "veröffentlicht am", "publiziert am",
    }
)  # fmt: skip
_CALENDAR = re.compile(rf"^(?:(?:{_WEEKDAYS}|{_MONTHS})\.?,?\s*)+$", re.IGNORECASE)
# a news organisation or a job title closing a byline after its people: "CNN", "The
# Guardian", "BBC News", "Staff Writer"
_ORGANISATION = re.compile(
    rf"^(?:[A-Z]{{2,5}}|The\s+\S.*|.*\s(?:News|Press)|Reuters|Bloomberg|(?:[\w-]+\s+)?(?:{_TITLES}))$"
)
_TRIM = " .:;-–—»«›‹"
# a web or mail address in brackets after a name: "Bradley M. Kuhn (http://ebb.org/bkuhn/)"
_WEB_ADDRESS = re.compile(r"\s*\([^)]*(?:https?://|www\.|@)[^)]*\)")


def person_names(text: str | None) -> str | None:
    """'By Jane Doe and John Roe | Reuters' -> 'Jane Doe, John Roe'; None when no name."""
    text = clean_text(text)
    if not text or text.lower().startswith(("http://", "https://")):
        return None
    text = _END.sub("", _unlabelled(text.lstrip(_TRIM + ",")))
    names = [name for part in _SPLIT.split(text) if (name := _person(part))]
    if len(names) > 1 and _ORGANISATION.match(names[-1]):
        names.pop()
    return ", ".join(dict.fromkeys(names)) or None


def _unlabelled(text: str, label: re.Pattern[str] = _LABEL) -> str:
    """The text without the label before it; nothing when it is a label alone ("By")."""
    return label.sub("", f"{text} ", count=1).strip()


def _person(part: str) -> str | None:
    """One name of a byline, without what follows the person; None when it names nobody."""
    name = _AFTER_PERSON.sub("", _unlabelled(_WEB_ADDRESS.sub("", part).strip(_TRIM), _NAME_LABEL)).strip(
        _TRIM + ","
    )
    if len(name.split()) > MAX_WORDS:  # a sentence, not a name (before its tail is cut)
        return None
    name = _TITLE.sub(r"\1", _without_lower_tail(name))
    if not name or name.casefold() in _PLACEHOLDERS or _CALENDAR.match(name) or _NOT_A_NAME.search(name):
        return None
    return name


def _without_lower_tail(name: str) -> str:
    """A name in capitals without the lower-case words after it that are no particle of a
    name, nor a particle left last: "Bertille Bayart journaliste" -> "Bertille Bayart";
    "Jean-Paul de la Fontaine", "Mobasir hassan" (one capitalised word: a writer's own
    spelling) are kept."""
    words = name.split()
    for index, word in enumerate(words):
        if word[:1].islower() and not _PARTICLE.match(word):
            if index < 2 or not words[1][:1].isupper():
                return name
            words = words[:index]
            break
    while len(words) > 1 and _PARTICLE.match(words[-1]):
        words.pop()
    return " ".join(words)
