"""How hosts talk around a subject, in English: the words that turn to a new subject
("moving on", "next"), and the words that point elsewhere ("coming up")."""

from __future__ import annotations

from collections.abc import Sequence

POINTER_WORDS = 6  # how many words before or after "coming up" (say) name what it points at
# How hosts turn to a new subject, in English: a unit opening with one of these is a cue.
CUES = (
    ("moving", "on"), ("next",), ("let's",), ("let", "us"), ("turning", "to"), ("now",),
    ("speaking", "of"), ("on", "to"), ("onto",), ("another", "thing"), ("our", "next"),
    ("which", "brings", "us", "to"), ("that", "brings", "us", "to"), ("first",), ("finally",),
    ("lastly",), ("where", "were", "we"), ("anyway",),
)  # fmt: skip
# Words that only clear the throat before a cue ("okay, so, next...").
OPENERS = frozenset(
    ["okay", "ok", "right", "so", "well", "alright", "um", "uh", "and", "all", "good"]
)
# How hosts point at another part of the talk, in English: the subject named with such a
# phrase ("locks are coming up", "going back to the fenders") is not the one being talked
# about there. Each phrase names its subject in the words before it, after it, or either.
BEFORE, AFTER, EITHER = "before", "after", "either"
POINTERS = (
    (("coming", "up"), BEFORE), (("later",), BEFORE), (("more", "on", "that"), BEFORE),
    (("in", "a", "minute"), BEFORE), (("we'll", "get", "to"), AFTER),
    (("will", "get", "to"), AFTER), (("hold", "that", "thought"), AFTER),
    (("earlier",), BEFORE), (("going", "back", "to"), AFTER), (("we", "said"), AFTER),
    (("you", "said"), AFTER), (("reminds", "me"), AFTER), (("same", "as", "with"), AFTER),
    (("mentioned",), EITHER), (("next", "week"), EITHER), (("last", "week"), EITHER),
)  # fmt: skip


def pointing(words: Sequence[str]) -> list[bool]:
    """For each of a sentence's words, whether it names a subject as one talked about
    elsewhere: the words of a phrase such as "coming up" or "going back to", and the
    ``POINTER_WORDS`` words on the side where it names its subject."""
    cleaned = tuple(w.strip(",.;:!?\"'").lower() for w in words)
    found = [False] * len(cleaned)
    for phrase, side in POINTERS:
        for i in range(len(cleaned) - len(phrase) + 1):
            if cleaned[i : i + len(phrase)] == phrase:
                low = i - POINTER_WORDS if side != AFTER else i
                high = i + len(phrase) + (POINTER_WORDS if side != BEFORE else 0)
                for j in range(max(0, low), min(len(cleaned), high)):
                    found[j] = True
    return found


def opens_with_cue(words: Sequence[str]) -> bool:
    """Whether lower-cased words open with a phrase that turns to a new subject, after any
    words that only clear the throat ("okay, so, next...")."""
    cleaned = [w.strip(",.;:!?\"'").lower() for w in words[:8]]
    while cleaned and cleaned[0] in OPENERS:
        cleaned.pop(0)
    return any(tuple(cleaned[: len(cue)]) == cue for cue in CUES)
