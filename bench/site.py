"""Benchmark: render and search-index time of generated shows of 50, 500 and 2,000 episodes.

    python bench/site.py                      50, 500 and 2,000 episodes
    python bench/site.py --quick              20 and 200, to try it out
    python bench/site.py --sizes 50,500 --profile

Each show is built in memory, as the stages before ``link`` would leave it (no Whisper, no
mastering): every episode has two or three of 40 topics, a few timed chapters with notes,
and a transcript of about 5,000 words in segments of 10 to 20 words, spoken by two or three
people at about 2.5 words a second (about 33 minutes) with probabilities around 0.9. Its
words come from a vocabulary of about 600 (function words, everyday words and eight words
per topic, each pool Zipf-weighted), so the talk of episodes on the same topics is alike,
plus a tail of 3,000 made-up place names for the rare words a real show has. Every episode's
audio is one shared one-second MP3 (encoded once with the pipeline's own encoder; its
duration is given as the transcript's length). There is one newsletter issue per ten
episodes. Everything is deterministic: episode n is the same in every size of show.

For each size it times the link stage (references and related episodes), the render stage
with a fresh, empty search cache split into the pages and feeds and the Pagefind index
(``search.search_index``: the pages written to a temporary folder and Pagefind's binary run
over them), and publish into an empty folder. The cost
that must grow no worse than linearly is link + render + index: 500 episodes at most 12x
of 50, 2,000 at most 5x of 500 (other sizes: 1.25x the ratio of the sizes). Then it reports
the size of ``pagefind/`` and the bytes a search query downloads: measured in headless
Chromium (``/usr/bin/chromium`` driven by Playwright, the published folder served by
``pipeline serve``'s server) and estimated from Pagefind's files.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import pstats
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import link, render
from pipeline.audio import encode_mp3, probe
from pipeline.errors import Problems
from pipeline.model import (
    Chapter,
    Episode,
    Issue,
    Person,
    PublishedAudio,
    Segment,
    Show,
    Transcript,
    Word,
)
from pipeline.publish import publish
from pipeline.render import search

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test show's settings
from tests.factories import make_site  # noqa: E402

SIZES = (50, 500, 2000)
QUICK = (20, 200)
LIMITS = {(50, 500): 12.0, (500, 2000): 5.0}  # the issue's; other pairs: SLACK x the sizes
SLACK = 1.25
SEED = 20260901
WORDS = 5000  # per transcript
RESULTS_SHOWN = 30  # the search page fetches the data of the first 30 results
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 60_000

# --- the vocabulary ----------------------------------------------------------------------

FUNCTION = """the and to a of i you it that in is was we so but like just for on with this
they have be at my not what there um uh yeah oh well if or then really about all one when
because do can would could know think your our he she me out up get got had were are been
very actually mean sort kind which how some more""".split()  # noqa: SIM905

EVERYDAY = """ride riding rode bike bikes bicycle road street weather week weekend morning
evening people friend friends time good great little big long short way home work town city
park river bridge path corner today yesterday tomorrow story idea remember everyone somebody
something anything nothing minute hour mile miles water cold warm wet dry fast slow easy hard
early late nice lovely funny sure maybe probably honestly course thing things bit lot year
years month start started stopped need wanted want knew see saw look looked feel felt try
tried keep kept find found bring brought take took give gave tell told talk talked listen
show episode reason problem advice tip tips trick part side back front left turn turned
ahead behind along across around place places going doing coming went came stuff whole
enough quite pretty else first last next little old new best worse better hands feet head
eyes lovely weird wonderful terrible brilliant decent cheap expensive buy bought sell money
hope wish glad happy tired hungry""".split()  # noqa: SIM905

TOPICS = {
    "Rain gear": "poncho cape jacket waterproof hood overtrousers gaiters zipper",
    "Punctures": "puncture tube patch tyre valve pump glue thorn",
    "Mudguards": "mudguard fender spray splash stays clearance bracket grime",
    "Lights": "light lamp dynamo battery beam lumen headlight reflector",
    "Commuting": "commute office traffic junction rush shower locker schedule",
    "Touring": "tour panniers camping route campsite luggage map tent",
    "Winter riding": "ice frost snow studded gloves salt slush chill",
    "Night rides": "night dark moon lantern stars midnight glow owl",
    "Brakes": "brake pads rim disc caliper lever cable squeal",
    "Chains and gears": "chain lube derailleur sprocket cassette gear rust links",
    "Wheels": "wheel spoke hub truing nipple wobble axle bearing",
    "Cargo bikes": "cargo crate kids groceries trailer load platform haul",
    "Locks and theft": "lock thief theft bolt shackle padlock stolen insurance",
    "Navigation": "compass gps navigation detour signpost waypoint track atlas",
    "Hills": "hill climb gradient summit descent switchback ascent pass",
    "Wind": "wind headwind gust tailwind breeze storm draft crosswind",
    "Clothing": "wool merino layers socks jersey scarf boots cap",
    "Food on the road": "snack banana flapjack sandwich coffee bakery picnic thermos",
    "Maintenance": "spanner toolkit workshop grease wrench repair stand solvent",
    "City planning": "lane infrastructure council crossing bollard planning kerb roundabout",
    "Family rides": "children school helmet balance tagalong family playground toddler",
    "Racing": "race peloton sprint podium breakaway stage finish rival",
    "Folding bikes": "folding brompton hinge compact carriage fold stowaway hinges",
    "E-bikes": "motor assist charger torque pedelec range watt throttle",
    "Safety": "visibility hivis mirror bell overtaking distance collision crash",
    "Gravel": "gravel trail dust forest washboard singletrack ruts loose",
    "History": "history penny farthing velocipede museum vintage archive antique",
    "Listener mail": "letter listener question email postcard reply mailbag answer",
    "Saddles": "saddle comfort leather posture padding chamois numb sitbones",
    "Frames": "frame steel aluminium carbon titanium geometry welding lug",
    "Tyres": "tread pressure tubeless width grip sidewall knobbly casing",
    "Bike shops": "shop mechanic counter secondhand bargain catalogue warranty receipt",
    "Trains": "station ticket conductor hook timetable railway guard coach",
    "Coast": "coast sea harbour cliff seagull promenade ferry tide",
    "Mountains": "mountain alpine glacier col hairpin altitude valley ridge",
    "Fitness": "fitness heart training stretch muscle recovery cadence endurance",
    "Photography": "camera photo lens sunset picture snapshot tripod album",
    "Festivals": "festival parade costume music crowd ribbon carnival bunting",
    "Forecasts": "forecast radar drizzle downpour cloud barometer sunshine umbrella",
    "Clubs": "club members meeting volunteer committee chairperson social badge",
}
TOPIC_NAMES = tuple(TOPICS)
TOPIC_WORDS = {name: words.split() for name, words in TOPICS.items()}
SHARES = (0.42, 0.33, 0.22, 0.03)  # function, everyday, the episode's topics, rare names
OPENERS = (
    "Notes on",
    "Why we love",
    "The trouble with",
    "A guide to",
    "Stories of",
    "In praise of",
    "Everything about",
    "Listeners ask about",
    "Five things on",
    "Back to",
)
GUESTS = ("Cy", "Dora", "Emil", "Fen", "Gus", "Hana", "Ivo", "Jo")


def made_up_names(count: int) -> list[str]:
    """``count`` place names, made of syllables: the rare words of a show's talk."""
    onsets = "b br c d dr f g gr h k l m n p pr r s st t th tr v w".split()  # noqa: SIM905
    vowels = "a e i o u ai ea ou".split()  # noqa: SIM905
    codas = "n rn ck ll m st rd ng x".split()  # noqa: SIM905
    ends = "ford by ton wick moor dale holm well side".split()  # noqa: SIM905
    every = [o + v + c + e for o in onsets for v in vowels for c in codas for e in ends]
    order = np.random.default_rng(SEED).permutation(len(every))[:count]
    return [every[i].capitalize() for i in order]


RARE = made_up_names(3000)


def zipf(n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1)
    return weights / weights.sum()


# --- the show ----------------------------------------------------------------------------


def make_audio(folder: Path) -> PublishedAudio:
    """One second of a quiet tone as the published MP3 every episode points to."""
    rate = 44_100
    t = np.arange(rate) / rate
    samples = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)[None, :]
    path = encode_mp3(samples, rate, folder / "one-second.mp3", 64)
    info = probe(path)
    return PublishedAudio(path=path, size=info.size, duration=info.duration, channels=1)


def make_transcript(
    rng: np.random.Generator, topics: tuple[str, ...], speakers: tuple[str, ...]
) -> Transcript:
    """About ``WORDS`` words of talk about ``topics``, with Whisper-like timings."""
    own = [w for t in topics for w in TOPIC_WORDS[t]]
    pools = (FUNCTION, EVERYDAY, own, RARE)
    # The pool of each word, then the word within its pool (Zipf-weighted).
    which = rng.choice(len(pools), size=WORDS, p=SHARES)
    picks = [rng.choice(len(pool), size=WORDS, p=zipf(len(pool))) for pool in pools]
    tokens = [pools[k][picks[k][i]] for i, k in enumerate(which)]
    durations = rng.uniform(0.2, 0.45, WORDS)
    gaps = rng.uniform(0.0, 0.08, WORDS)
    probabilities = np.clip(rng.normal(0.9, 0.06, WORDS), 0.3, 1.0)
    lengths = rng.integers(10, 21, WORDS // 10)
    asks = rng.random(len(lengths)) < 0.2
    pauses = np.where(
        rng.random(len(lengths)) < 0.05,
        rng.uniform(2.0, 3.0, len(lengths)),
        rng.uniform(0.3, 0.9, len(lengths)),
    )
    turns = rng.integers(1, 6, len(lengths))  # segments until the next speaker
    words: list[Word] = []
    segments: list[Segment] = []
    at, i, s, speaker, left = 0.5, 0, 0, 0, int(turns[0])
    while i < WORDS:
        n = min(int(lengths[s]), WORDS - i)
        who = speakers[speaker]
        first = len(words)
        for k in range(n):
            text = tokens[i + k]
            if k == 0:
                text = text.capitalize()
            if k == n - 1:
                text += "?" if asks[s] else "."
            elif k == n // 2 and n > 14:
                text += ","
            start = round(at, 2)
            at += float(durations[i + k])
            heard = round(float(probabilities[i + k]), 3)
            words.append(Word(text, start, round(at, 2), heard, who))
            at += float(gaps[i + k])
        segments.append(
            Segment(" ".join(w.text for w in words[first:]), words[first].start, words[-1].end, who)
        )
        i += n
        at += float(pauses[s])
        s += 1
        left -= 1
        if left == 0:
            speaker = (speaker + 1 + int(rng.integers(0, len(speakers) - 1))) % len(speakers)
            left = int(turns[s % len(turns)])
    return Transcript(
        segments=tuple(segments),
        words=tuple(words),
        engine="faster-whisper",
        model="tiny.en",
        language="en",
        settings=(("beam_size", 5),),
        recording_sha256=f"{int(rng.integers(0, 2**62)):064x}",
    )


def make_episode(n: int, root: Path, audio: PublishedAudio, start: datetime) -> Episode:
    """Episode ``n``: the same in every size of show."""
    rng = np.random.default_rng([SEED, n])
    topics = tuple(
        TOPIC_NAMES[i] for i in rng.choice(len(TOPIC_NAMES), int(rng.integers(2, 4)), False)
    )
    guests = (Person(GUESTS[int(rng.integers(0, len(GUESTS)))], role="guest"),)
    guests = guests if rng.random() < 0.4 else ()
    speakers = ("Ada", "Ben", *(g.name for g in guests))
    transcript = make_transcript(rng, topics, speakers)
    duration = transcript.segments[-1].end + 1.0
    slug = f"episode-{n:04d}"
    main = TOPIC_WORDS[topics[0]]
    title = f"{OPENERS[int(rng.integers(0, len(OPENERS)))]} {main[0]}s and {main[1]}s"
    summary = (
        f"Ada and Ben talk about {topics[0].lower()} and {topics[1].lower()}: "
        f"the {main[2]}, the {main[3]} and a {rng.choice(RARE)} story."
    )
    intro = f"{summary} Thanks to everyone who wrote in."
    if n > 1 and rng.random() < 0.5:
        earlier = int(rng.integers(1, n))
        intro += f" Follows on from [[episode-{earlier:04d}]]."
    count = int(rng.integers(3, 6))
    chapters = []
    for c in range(count):
        topic = TOPIC_WORDS[topics[c % len(topics)]]
        at = 0.0 if c == 0 else round(duration * c / count + float(rng.uniform(-30, 30)))
        title_words = rng.choice(topic, 2, replace=False)
        notes = (
            f"The {title_words[0]} and the {title_words[1]}, and what {rng.choice(RARE)} "
            f"taught us. See [the {title_words[0]} guide](https://example.org/{slug}/{c})."
        )
        chapters.append(Chapter(f"{title_words[0].capitalize()} talk", at, notes, timed=c > 0))
    headings = [
        f"## {f'{int(ch.start) // 60}:{int(ch.start) % 60:02d} ' if ch.timed and ch.start else ''}"
        f"{ch.title}\n\n{ch.notes}\n\n"
        for ch in chapters
    ]
    body = intro + "\n\n" + "".join(headings)
    return Episode(
        slug=slug,
        folder=root / "episodes" / slug,
        title=title,
        date=start + timedelta(days=7 * n),
        body=body,
        intro=intro,
        chapters=tuple(chapters),
        summary=summary,
        number=n,
        season=1 + (n - 1) // 50,
        topics=topics,
        hosts=(Person("Ada"), Person("Ben")),
        guests=guests,
        transcript=transcript,
        audio=PublishedAudio(
            audio.path, audio.size, duration, audio.channels, mime_type=audio.mime_type
        ),
    )


def make_show(count: int, root: Path, audio: PublishedAudio) -> Show:
    start = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
    episodes = tuple(make_episode(n, root, audio, start) for n in range(count, 0, -1))
    issues = tuple(
        Issue(
            slug=f"issue-{k:03d}",
            path=root / "issues" / f"issue-{k:03d}.md",
            title=f"Letter {k}",
            date=start + timedelta(days=70 * k + 1),
            body=f"Dear riders,\n\nDon't miss [[episode-{10 * k:04d}]].\n",
            preheader=f"Letter {k} from Rain and Bikes.",
        )
        for k in range(count // 10, 0, -1)
    )
    return Show(root=root, site=make_site(), episodes=episodes, issues=issues)


# --- measuring ---------------------------------------------------------------------------


@dataclass
class Result:
    size: int
    generate: float = 0.0
    link: float = 0.0
    render: float = 0.0
    index: float = 0.0
    publish: float = 0.0
    records: int = 0
    related: float = 0.0  # mean related episodes per episode
    pagefind_files: int = 0
    pagefind_bytes: int = 0
    # word: bytes and files fetched, results found
    measured: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    estimated: dict[str, int] = field(default_factory=dict)
    warnings: int = 0

    @property
    def total(self) -> float:
        return self.link + self.render + self.index


@contextmanager
def timed(module: Any, names: tuple[str, ...], into: list[float]) -> Iterator[None]:
    """Add the time spent in ``module``'s functions ``names`` to ``into[0]``."""
    saved = {name: getattr(module, name) for name in names}

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                into[0] += time.perf_counter() - started

        return wrapper

    for name, fn in saved.items():
        setattr(module, name, wrap(fn))
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(module, name, fn)


def measure(
    size: int, work: Path, audio: PublishedAudio, words: tuple[str, ...], browse: bool
) -> Result:
    result = Result(size)
    root = work / f"show-{size}"
    started = time.perf_counter()
    show = make_show(size, root, audio)
    result.generate = time.perf_counter() - started
    problems = Problems()
    gc.collect()

    started = time.perf_counter()
    show = link.link(show, problems)
    result.link = time.perf_counter() - started
    result.related = sum(len(e.related) for e in show.episodes) / size

    index = [0.0]
    cache = work / f"search-{size}"  # fresh and empty: the index is built, not reused
    started = time.perf_counter()
    with timed(search, ("search_index",), index):
        rendered = render.render_show(show, problems, search_cache=cache)
    whole = time.perf_counter() - started
    result.index, result.render = index[0], whole - index[0]
    result.records = sum(1 for o in rendered.outputs if search.INDEXED.fullmatch(o.path))

    out, state_dir = work / f"out-{size}", work / f"state-{size}"
    started = time.perf_counter()
    publish(rendered.outputs, out, state_dir, problems, rendered.keep)
    result.publish = time.perf_counter() - started
    assert not problems.errors, [p.message for p in problems.errors][:5]
    result.warnings = len(problems.items)
    for problem in problems.items:
        print(f"  warning: {problem.message[:300]}")

    pagefind = out / "pagefind"
    files = [p for p in pagefind.rglob("*") if p.is_file()]
    result.pagefind_files = len(files)
    result.pagefind_bytes = sum(p.stat().st_size for p in files)
    hits = {}
    if browse:  # not open while Pagefind runs: both want the thread's asyncio loop
        with headless_browser() as browser:
            for word in words if browser is not None else ():
                result.measured[word] = query_in_browser(browser, out, word)
                hits[word] = result.measured[word][2]
    for word in words:
        result.estimated[word] = estimate(pagefind, hits.get(word, RESULTS_SHOWN))
    del show, rendered
    for path in (root, cache, out, state_dir):
        shutil.rmtree(path, ignore_errors=True)
    gc.collect()
    return result


def estimate(pagefind: Path, hits: int) -> int:
    """What a one-word query downloads, from the file sizes: pagefind.js, pagefind-worker.js,
    pagefind-entry.json, the .pf_meta, the wasm file, one index chunk of mean size, and the
    fragments (mean size) of the results the search page fetches (at most ``RESULTS_SHOWN``)."""

    def size(pattern: str) -> float:
        sizes = [p.stat().st_size for p in pagefind.glob(pattern)]
        return sum(sizes) / len(sizes) if sizes else 0.0

    fixed = sum(
        size(p)
        for p in (
            "pagefind.js",
            "pagefind-worker.js",
            "pagefind-entry.json",
            "*.pf_meta",
            "wasm.en.pagefind",
        )
    )
    shown = min(hits, RESULTS_SHOWN)
    return round(fixed + size("index/*.pf_index") + shown * size("fragment/*.pf_fragment"))


def query_in_browser(browser: Any, out: Path, word: str) -> tuple[int, int, int]:
    """The bytes and files under ``/pagefind/`` the search page fetches for ``word`` in a
    fresh browser context (nothing cached), and the number of results it found."""
    from pipeline.serve import make_server

    server = make_server(out, port=0)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    host, port = server.server_address[:2]
    fetched: list[int] = []
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)

        def seen(response: Any) -> None:
            if "/pagefind/" in response.url:
                fetched.append(len(response.body()))

        tab.on("response", seen)
        tab.goto(f"http://{host}:{port}/search/index.html?q={word}")
        tab.wait_for_function(
            "() => { const s = document.getElementById('status').textContent;"
            " return s && !s.startsWith('Searching'); }"
        )
        tab.wait_for_load_state("networkidle")
        status = tab.locator("#status").inner_text()
        found = status.split(" ", 1)[0]
        hits = int(found) if found.isdigit() else 0
    finally:
        context.close()
        server.shutdown()
        server.server_close()
        thread.join()
    return sum(fetched), len(fetched), hits


@contextmanager
def headless_browser() -> Iterator[Any]:
    """Headless Chromium via Playwright, or None when either is missing."""
    if not CHROMIUM.is_file():
        yield None
        return
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        yield None
        return
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


# --- report ------------------------------------------------------------------------------


def limit(small: int, large: int) -> float:
    return LIMITS.get((small, large), SLACK * large / small)


def kib(n: float) -> str:
    return f"{n / 1024:,.0f} KiB"


def report(results: list[Result], words: tuple[str, ...], browser: bool) -> bool:
    print()
    print(
        f"{'episodes':>8} {'pages':>8} {'link s':>8} {'render s':>9} {'index s':>8} "
        f"{'total s':>8} {'ms/ep':>7} {'publish s':>9} {'pagefind/':>14} {'files':>6}"
    )
    for r in results:
        print(
            f"{r.size:8d} {r.records:8d} {r.link:8.2f} {r.render:9.2f} {r.index:8.2f} "
            f"{r.total:8.2f} {1000 * r.total / r.size:7.1f} {r.publish:9.2f} "
            f"{kib(r.pagefind_bytes):>14} {r.pagefind_files:6d}"
        )
    print("(total = link + render + index; generating the show and publish are not in it)")
    ok = True
    for a, b in itertools.pairwise(results):
        ratio, most = b.total / a.total, limit(a.size, b.size)
        passed = ratio <= most
        ok &= passed
        parts = ", ".join(
            f"{name} {getattr(b, name) / getattr(a, name):.1f}x"
            for name in ("link", "render", "index")
            if getattr(a, name) > 0
        )
        print(
            f"total {b.size}/{a.size}: {ratio:5.2f}x for {b.size / a.size:g}x the episodes "
            f"(limit {most:g}x): {'PASS' if passed else 'FAIL'}   [{parts}]"
        )
    print()
    print("bytes a search query downloads (files under pagefind/):")
    for r in results:
        for word in words:
            line = f"{r.size:8d} episodes, {word!r:>12}: "
            if browser and word in r.measured:
                got, files, hits = r.measured[word]
                line += f"{kib(got):>9} in {files:3d} files, measured ({hits} results); "
            line += f"estimated {kib(r.estimated[word])}"
            print(line)
    print(
        "  measured: headless Chromium loads search/index.html?q=WORD from a local server and"
        " every response under /pagefind/ is summed (uncompressed, nothing cached)."
        if browser
        else "  not measured (--no-browser, or no /usr/bin/chromium or playwright): estimates"
        f" only, with {RESULTS_SHOWN} results fetched"
    )
    print(
        "  estimated: pagefind.js + pagefind-worker.js + pagefind-entry.json + .pf_meta +"
        " wasm.en.pagefind + one"
        f" index chunk of mean size + a mean fragment per result fetched (at most"
        f" {RESULTS_SHOWN}, as the search page does)."
    )
    print()
    generated = ", ".join(f"{r.size}: {r.generate:.1f} s" for r in results)
    related = ", ".join(f"{r.size}: {r.related:.2f}" for r in results)
    print(f"generating the shows (not timed above): {generated}")
    print(f"related episodes per episode: {related}; warnings: {[r.warnings for r in results]}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:,.0f} MB (the generated shows included)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="comma-separated episode counts (default %(default)s)",
    )
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK}")
    parser.add_argument("--no-browser", action="store_true", help="estimate the query bytes only")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile link and render (index included) at each size and print the "
        "functions whose own time grows most",
    )
    args = parser.parse_args()
    sizes = QUICK if args.quick else tuple(int(s) for s in args.sizes.split(",") if s.strip())
    words = (TOPIC_WORDS["Punctures"][0], RARE[100])  # a topic word, a rarer name
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        work = Path(tmp)
        audio = make_audio(work)
        for size in sizes:
            print(f"{size} episodes ...", flush=True)
            r = measure(size, work, audio, words, not args.no_browser)
            results.append(r)
            print(
                f"  link {r.link:.1f} s, render {r.render:.1f} s, index {r.index:.1f} s "
                f"({r.records / r.index:,.0f} pages/s), publish {r.publish:.1f} s",
                flush=True,
            )
        if args.profile:
            profile(sizes, work, audio)
    ok = report(results, words, any(r.measured for r in results))
    return 0 if ok else 1


def profile(sizes: tuple[int, ...], work: Path, audio: PublishedAudio) -> None:
    """Link, render (index included) and publish under cProfile at each size: the functions
    whose time grows most from the smallest size to the largest, with their main caller."""
    runs: dict[int, dict[tuple[str, int, str], tuple[float, float, str]]] = {}
    for size in sizes:
        show = make_show(size, work / f"profile-{size}", audio)
        profiler = cProfile.Profile()
        profiler.enable()
        linked = link.link(show, Problems())
        rendered = render.render_show(linked, Problems(), search_cache=work / f"cache-{size}")
        publish(rendered.outputs, work / f"profile-out-{size}", work / f"profile-state-{size}")
        profiler.disable()
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        runs[size] = {
            key: (tt, ct, _name(max(callers, key=lambda c: callers[c][3])) if callers else "")
            for key, (_cc, _nc, tt, ct, callers) in stats.items()
        }
        del show, linked, rendered
        for name in ("profile", "cache", "profile-out", "profile-state"):
            shutil.rmtree(work / f"{name}-{size}", ignore_errors=True)
        gc.collect()
    small, large = sizes[0], sizes[-1]
    times = large / small
    a, b = runs[small], runs[large]
    for title, col, keep in (
        ("own time", 0, lambda key: True),
        ("time with callees, the pipeline's functions", 1, lambda key: "pipeline" in key[0]),
    ):
        grown = sorted(
            (
                (b[k][col] / a[k][col], k)
                for k in b
                if k in a and keep(k) and a[k][col] > 1e-3 and b[k][col] > 0.2
            ),
            reverse=True,
        )
        print(f"\n{title}, {large} vs {small} episodes ({times:g}x), the 12 that grow most:")
        for ratio, k in grown[:12]:
            flag = "  <- worse than linear" if ratio > 1.5 * times else ""
            print(f"  {ratio:6.1f}x {b[k][col]:7.2f} s  {_name(k)}  (called by {b[k][2]}){flag}")
    print(f"\nown time at {large} episodes, the 12 largest:")
    for k in sorted(b, key=lambda k: -b[k][0])[:12]:
        print(f"  {b[k][0]:7.2f} s  {_name(k)}  (called by {b[k][2]})")


def _name(key: tuple[str, int, str]) -> str:
    file, line, name = key
    return f"{Path(file).name}:{line}({name})" if line else name


if __name__ == "__main__":
    sys.exit(main())
