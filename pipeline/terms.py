"""Words reduced to the terms an outline and a transcript share: stems, numbers and names."""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

# Snowball's algorithms by the language code a show's site.toml gives.
STEMMERS = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "en": "english", "es": "spanish", "et": "estonian", "eu": "basque",
    "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian",
    "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian", "nb": "norwegian",
    "ne": "nepali", "nl": "dutch", "nn": "norwegian", "no": "norwegian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

# English words that say nothing about a subject. Other languages rely on the weighting by
# how often a term is spoken (align.py), which gives such words almost no weight either.
STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being
    but by can could did do does doing don't down during each few for from further get got
    had has have having he her here hers him his how i i'm if in into is it it's its just
    let's like me more most my no nor not now of off on once only or other our ours out over
    own really right same she should so some such than that that's the their them then there
    these they this those through to too um uh under until up very was we we're were what
    when where which while who whom why will with would yeah yes you you're your yours""".split()  # noqa: SIM905
)

SENTENCE_END = (".", "?", "!", "…")

_ONE_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_ONES = _ONE_WORDS.split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()  # noqa: SIM905
NUMBER_WORDS = {w: i for i, w in enumerate(_ONES)}
NUMBER_WORDS |= {w: 20 + 10 * i for i, w in enumerate(_TENS)}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}

_WORD = re.compile(r"\d[\d,.]*\d|\d|[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
# British spellings a transcript in American English writes otherwise (tyre, colour, centre).
_SPELLINGS = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        ("yre(s?)$", r"ire\1"),
        ("our(s?)$", r"or\1"),
        ("tre(s?)$", r"ter\1"),
    )
)


def ends_sentence(text: str) -> bool:
    """Whether a word (or text) ends a sentence: its punctuation, closing quotes aside."""
    return text.rstrip().rstrip("\"'”’)").endswith(SENTENCE_END)


def words(text: str) -> list[str]:
    """The words of text, lower-cased, numbers as digits ("1,200" and "twelve hundred": 1200)."""
    raw = [w.replace("’", "'") for w in _WORD.findall(unicodedata.normalize("NFKC", text))]
    out: list[str] = []
    run: list[str] = []
    for word in raw:
        lower = word.lower()
        parts = lower.split("-") if "-" in lower else [lower]
        if all(p in NUMBER_WORDS or p in SCALES or (p == "and" and bool(run)) for p in parts):
            run.extend(parts)
            continue
        out.extend(_spoken_number(run))
        run = []
        if lower[0].isdigit():
            out.append(_digits(lower))
        else:
            out.extend(p for p in parts if p)
    out.extend(_spoken_number(run))
    return out


def _digits(number: str) -> str:
    """ "1,200" and "1200" are one term; "2.5" stays as written."""
    if re.fullmatch(r"\d{1,3}(,\d{3})+", number):
        return number.replace(",", "")
    return number.rstrip(".,")


def _spoken_number(run: list[str]) -> list[str]:
    """Number words as digits: "twelve hundred" 1200, "twenty twenty-four" 2024."""
    while run and run[-1] == "and":
        run = run[:-1]
    if not run:
        return []
    pairs = [NUMBER_WORDS[w] for w in run if w in NUMBER_WORDS]
    if len(pairs) == len(run) and len(run) in (2, 3) and 10 <= pairs[0] < 100:
        # "twenty twenty four", "nineteen ninety": a year said in pairs
        rest = sum(pairs[1:])
        if 10 <= rest < 100 or (len(run) == 3 and pairs[1] >= 20 and pairs[2] < 10):
            return [str(pairs[0] * 100 + rest)]
    total, current = 0, 0
    for w in run:
        if w in NUMBER_WORDS:
            current += NUMBER_WORDS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in SCALES:
            total += max(current, 1) * SCALES[w]
            current = 0
    return [str(total + current)]


@lru_cache(maxsize=8)
def _stemmer(language: str) -> snowballstemmer.stemmer | None:
    name = STEMMERS.get(language.split("-")[0].lower())
    return snowballstemmer.stemmer(name) if name else None


class Terms:
    """Turns text of one language into terms: stopwords dropped, the rest stemmed."""

    def __init__(self, language: str) -> None:
        self.english = language.split("-")[0].lower() == "en"
        self._stemmer = _stemmer(language)
        self._cache: dict[str, str | None] = {}
        self.language = language.split("-")[0].lower()

    def term(self, word: str) -> str | None:
        """The term of one word from ``words``, or None for a word that carries no subject."""
        if word in self._cache:
            return self._cache[word]
        written = word
        term: str | None = word
        if word[0].isdigit():
            pass
        elif len(word) < 2 or (self.english and (word in STOPWORDS or len(word) < 3)):
            term = None
        else:
            word = word.removesuffix("'s")
            if self.english:
                for pattern, replacement in _SPELLINGS:
                    word = pattern.sub(replacement, word)
            term = self._stemmer.stemWord(word) if self._stemmer else word
        self._cache[written] = term
        return term

    def everyday(self) -> dict[str, float]:
        """How common each term met so far is in everyday language, as a Zipf frequency
        (wordfreq: 7 for "the", 6 for "way", 4 for "offline", 0 unknown), summed over the
        words that gave it; empty for a language wordfreq does not know."""
        import wordfreq

        if self.language not in wordfreq.available_languages():
            return {}
        shares: dict[str, float] = {}
        for word, term in self._cache.items():
            if term is not None and not word[0].isdigit():
                shares[term] = shares.get(term, 0.0) + wordfreq.word_frequency(word, self.language)
        return {t: math.log10(f * 1e9) if f > 0 else 0.0 for t, f in shares.items()}

    def of(self, text: str) -> list[str]:
        """The terms of text, in order."""
        return [t for w in words(text) if (t := self.term(w)) is not None]


def names(text: str) -> set[str]:
    """Words written with a capital inside a sentence: names, which speech recognition spells
    in its own way ("Brompton", "Ostrava")."""
    found = set()
    for sentence in re.split(r"(?<=[.!?:;])\s+|\n+", text):
        for word in _WORD.findall(sentence)[1:]:
            if word[0].isupper() and len(word) >= 4:
                found.add(word.lower())
    return found


def near_names(spoken: Iterable[str], written: set[str]) -> dict[str, str]:
    """Spoken words that are a written name misspelt: spoken word to the name as written."""
    found = {}
    for word in set(spoken):
        if word in written or len(word) < 4:
            continue
        for name in written:
            if name[0] != word[0] or abs(len(name) - len(word)) > 2:
                continue
            if difflib.SequenceMatcher(None, word, name).ratio() >= 0.8:
                found[word] = name
                break
    return found
