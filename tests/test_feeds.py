"""The three feeds as podcast apps, directories and feed readers see them."""

from __future__ import annotations

import copy
import html
import io
import json
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from PIL import Image

from pipeline.artwork import artwork_problems, generated_artwork
from pipeline.feeds import (
    DESCRIPTION_LIMIT,
    PODCAST_NS,
    FeedResult,
    chapter_json,
    episode_guid,
    feed_url_guid,
    newsletter_feed,
    podcast_feed,
    short_guid,
    shorts_feed,
    show_guid,
)
from pipeline.model import (
    Chapter,
    Episode,
    Excerpt,
    Issue,
    Person,
    PublishedAudio,
    ShortVersion,
    Show,
    Site,
    Soundbite,
)
from tests import factories
from tests.conftest import PODCAST_SCHEMA, write_tone
from tests.factories import SITE_GUID, make_transcript, published

LEGACY_NS = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": PODCAST_NS,
    "psc": "http://podlove.org/simple-chapters",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
ARTWORK = "https://rain.example.org/artwork.png"
BASE = "https://rain.example.org/episodes/2024-08-07-storm/"


# --- a small show, built in tmp_path ------------------------------------------------------


@pytest.fixture(scope="session")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tone(tmp_path_factory.mktemp("tone") / "tone.mp3", rate=22050)


def make_site(**changes: object) -> Site:
    return factories.make_site(
        categories=("Sports/Wilderness", "Leisure/Hobbies", "Leisure/Automotive"), **changes
    )


def make_episode(root: Path, slug: str, audio: PublishedAudio | None, **changes: object) -> Episode:
    episode = Episode(
        slug=slug,
        folder=root / "episodes" / slug,
        title=f"Riding in the {slug.split('-')[-1]}",
        date=datetime(2024, 8, 7, 9, 0, tzinfo=UTC),
        body="",
        summary="We ride home in the rain.",
        audio=audio,
    )
    return replace(episode, **changes)  # type: ignore[arg-type]


@pytest.fixture
def storm(tmp_path: Path, tone: Path) -> Episode:
    """A full episode with everything our content supports: chapters, guests, transcript."""
    body = (
        "We talk about rain capes. See [[2024-08-01-fog]] and the [[2024-09-issue]].\n\n"
        "## Intro\nWhy rain?\n\n"
        "## 0:00:30 Capes\nPonchos versus jackets.\n\n"
        "## 0:00:50 Listener mail\nYour letters.\n"
    )
    return make_episode(
        tmp_path,
        "2024-08-07-storm",
        published(tone),
        title="Riding through the storm",
        body=body,
        chapters=(
            Chapter("Intro", 0.0, "Why rain?"),
            Chapter("Capes", 30.0, "Ponchos versus jackets.", timed=True),
            Chapter("Listener mail", 50.5, "Your letters.", timed=True),
        ),
        number=2,
        season=1,
        hosts=(Person("Ada"), Person("Ben")),
        guests=(Person("Cy", role="guest", href="https://cy.example.org/"),),
        transcript=make_transcript(),
        explicit=True,
    )


@pytest.fixture
def fog(tmp_path: Path, tone: Path) -> Episode:
    """A plain earlier episode: no chapters, no guests, no transcript."""
    return make_episode(
        tmp_path,
        "2024-08-01-fog",
        published(tone),
        title="Fog on the canal path",
        date=datetime(2024, 8, 1, 18, 30, tzinfo=UTC),
        number=1,
        season=1,
    )


def make_show(tmp_path: Path, *episodes: Episode, site: Site | None = None, **kw: object) -> Show:
    issues = kw.pop("issues", ())
    return Show(
        root=tmp_path, site=site or make_site(), episodes=tuple(episodes), issues=issues, **kw
    )  # type: ignore[arg-type]


def parse(result: FeedResult | bytes) -> etree._Element:
    return etree.fromstring(result.xml if isinstance(result, FeedResult) else result)


def items(root: etree._Element) -> list[etree._Element]:
    return root.findall("channel/item")


def item_titled(root: etree._Element, title: str) -> etree._Element:
    (item,) = root.xpath("channel/item[title=$t]", t=title)
    return item


def read_strictly(xml: bytes, url: str = "https://rain.example.org/podcast.xml") -> dict:
    """Parse like gPodder: podcastparser raises on anything malformed."""
    return podcastparser.parse(url, io.BytesIO(xml))


def read_leniently(xml: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def schema_errors(root: etree._Element) -> list[str]:
    """Validate the feed's podcast:* elements against the namespace's XSD (README recipe)."""
    wrapper = etree.Element(f"{{{PODCAST_NS}}}test-wrapper", nsmap={"podcast": PODCAST_NS})
    for element in root.iter(f"{{{PODCAST_NS}}}*"):
        wrapper.append(copy.deepcopy(element))
    if not (PODCAST_SCHEMA / "podcast-wrapper.xsd").is_file():
        pytest.skip(f"the Podcasting 2.0 schema is not at {PODCAST_SCHEMA} (../shared/spec)")
    schema = etree.XMLSchema(etree.parse(str(PODCAST_SCHEMA / "podcast-wrapper.xsd")))
    schema.validate(wrapper)
    return [error.message for error in schema.error_log]


def known_schema_lag(message: str) -> bool:
    """The complaints the README documents as the schema lagging the tag documents."""
    undeclared = "No matching global element declaration"
    return (
        undeclared in message and any(f"}}{t}'" in message for t in ("guid", "medium", "license"))
    ) or ("}season'" in message and "'name' is required" in message)


# --- podcast.xml --------------------------------------------------------------------------


def test_a_subscriber_app_reads_the_whole_episode(tmp_path: Path, storm: Episode, fog: Episode):
    show = make_show(tmp_path, storm, fog)
    result = podcast_feed(show, ARTWORK)

    feed = read_leniently(result.xml)
    assert feed.feed.title == "Rain and Bikes"
    assert feed.feed.link == "https://rain.example.org/"
    assert [e.title for e in feed.entries] == ["Riding through the storm", "Fog on the canal path"]
    newest = feed.entries[0]
    assert newest.enclosures[0].href == (
        "https://rain.example.org/episodes/2024-08-07-storm/2024-08-07-storm.mp3"
    )
    assert int(newest.enclosures[0].length) == storm.audio.size
    assert newest.itunes_duration == str(round(storm.audio.duration))
    assert [c["title"] for c in newest.psc_chapters["chapters"]] == [
        "Intro",
        "Capes",
        "Listener mail",
    ]

    gpodder = read_strictly(result.xml)
    assert gpodder["title"] == "Rain and Bikes"
    assert gpodder["cover_url"] == ARTWORK
    assert gpodder["itunes_categories"] == [
        ["Sports", "Wilderness"],
        ["Leisure", "Hobbies", "Automotive"],
    ]
    storm_item = gpodder["episodes"][0]
    assert storm_item["guid"] == episode_guid(storm, show.site)
    assert storm_item["number"] == 2 and storm_item["season"] == 1
    assert storm_item["explicit"] is True
    assert storm_item["enclosures"][0]["mime_type"] == "audio/mpeg"
    assert [c["title"] for c in storm_item["chapters"]] == ["Intro", "Capes", "Listener mail"]

    # A client that knows the podcast namespace (under the URI it knows) sees the rest.
    legacy = read_strictly(result.xml.replace(PODCAST_NS.encode(), LEGACY_NS.encode()))
    storm_item, fog_item = legacy["episodes"]
    base = "https://rain.example.org/episodes/2024-08-07-storm/"
    assert storm_item["transcript_url"].startswith(base + "transcript.")
    assert storm_item["chapters_json_url"] == base + "chapters.json"
    assert [(p["name"], p["role"]) for p in storm_item["persons"]] == [
        ("Ada", "host"),
        ("Ben", "host"),
        ("Cy", "guest"),
    ]
    assert storm_item["persons"][2]["href"] == "https://cy.example.org/"
    assert "transcript_url" not in fog_item and "persons" not in fog_item


def test_podcasting_2_tags_are_where_the_namespace_puts_them(
    tmp_path: Path, storm: Episode, fog: Episode
):
    show = make_show(tmp_path, storm, fog)
    root = parse(podcast_feed(show, ARTWORK))
    channel = root.find("channel")

    assert channel.xpath("podcast:guid/text()", namespaces=NS) == [SITE_GUID]
    assert channel.xpath("podcast:medium/text()", namespaces=NS) == ["podcast"]
    assert channel.xpath("podcast:locked/@owner", namespaces=NS) == ["owner@rain.example.org"]
    assert channel.xpath("podcast:locked/text()", namespaces=NS) == ["yes"]
    assert channel.xpath("podcast:license/text()", namespaces=NS) == ["CC-BY-4.0"]
    assert channel.xpath("podcast:funding/text()", namespaces=NS) == ["Buy us a rain cape"]
    assert channel.xpath("podcast:funding/@url", namespaces=NS) == [
        "https://rain.example.org/support"
    ]
    assert channel.xpath("podcast:person[@role='host']/text()", namespaces=NS) == ["Ada", "Ben"]

    storm_item = item_titled(root, "Riding through the storm")
    base = "https://rain.example.org/episodes/2024-08-07-storm/"
    transcripts = storm_item.xpath("podcast:transcript", namespaces=NS)
    assert [(t.get("url"), t.get("type"), t.get("rel")) for t in transcripts] == [
        (base + "transcript.vtt", "text/vtt", None),
        (base + "transcript.srt", "application/x-subrip", "captions"),
        (base + "transcript.json", "application/json", None),
    ]
    assert {t.get("language") for t in transcripts} == {"en"}
    assert storm_item.xpath("podcast:chapters/@url", namespaces=NS) == [base + "chapters.json"]
    assert storm_item.xpath("podcast:chapters/@type", namespaces=NS) == [
        "application/json+chapters"
    ]
    assert storm_item.xpath("podcast:season/text()", namespaces=NS) == ["1"]
    assert storm_item.xpath("podcast:episode/text()", namespaces=NS) == ["2"]
    starts = storm_item.xpath("psc:chapters/psc:chapter/@start", namespaces=NS)
    assert starts == ["00:00:00.000", "00:00:30.000", "00:00:50.500"]

    fog_item = item_titled(root, "Fog on the canal path")
    assert (
        fog_item.xpath(
            "podcast:transcript | podcast:chapters | podcast:person | psc:*", namespaces=NS
        )
        == []
    )


def test_podcasting_2_tags_pass_the_namespace_schema(tmp_path: Path, storm: Episode, fog: Episode):
    root = parse(podcast_feed(make_show(tmp_path, storm, fog), ARTWORK))
    assert [e for e in schema_errors(root) if not known_schema_lag(e)] == []


def test_the_schema_check_is_not_vacuous(tmp_path: Path, storm: Episode):
    site = make_site(funding_label="x" * 200)
    root = parse(podcast_feed(make_show(tmp_path, storm, site=site), ARTWORK))
    # The feed cuts the label to 128 characters; a hand-made longer one is what the XSD rejects.
    funding = root.find("channel/podcast:funding", NS)
    assert len(funding.text) == 128
    funding.text = "x" * 129
    assert [e for e in schema_errors(root) if not known_schema_lag(e)] != []


def test_itunes_channel_tags_follow_apple(tmp_path: Path, storm: Episode):
    site = make_site(serial=True, explicit=True)
    root = parse(podcast_feed(make_show(tmp_path, storm, site=site), ARTWORK))
    channel = root.find("channel")
    assert channel.findtext("itunes:explicit", namespaces=NS) == "true"
    assert channel.findtext("itunes:type", namespaces=NS) == "serial"
    assert channel.find("itunes:image", NS).get("href") == ARTWORK
    assert channel.findtext("itunes:owner/itunes:email", namespaces=NS) == site.email
    assert channel.findtext("itunes:author", namespaces=NS) == "Ada and Ben"
    sports = channel.find("itunes:category[@text='Sports']", NS)
    assert [c.get("text") for c in sports.findall("itunes:category", NS)] == ["Wilderness"]
    self_link = channel.find("atom:link[@rel='self']", NS)
    assert self_link.get("href") == "https://rain.example.org/podcast.xml"
    assert self_link.get("type") == "application/rss+xml"
    assert channel.findtext("link") == "https://rain.example.org/"
    item = channel.find("item")
    assert item.findtext("itunes:explicit", namespaces=NS) == "true"
    assert item.findtext("itunes:episodeType", namespaces=NS) == "full"
    assert item.find("guid").get("isPermaLink") == "false"


def test_show_notes_link_to_other_episodes_and_issues(tmp_path: Path, storm: Episode, fog: Episode):
    issue = Issue(
        slug="2024-09-issue",
        path=tmp_path / "issues" / "2024-09-issue.md",
        title="September letter",
        date=datetime(2024, 9, 1, tzinfo=UTC),
        body="Hello",
    )
    root = parse(podcast_feed(make_show(tmp_path, storm, fog, issues=(issue,)), ARTWORK))
    notes = item_titled(root, "Riding through the storm").findtext("content:encoded", namespaces=NS)
    assert '<a href="https://rain.example.org/episodes/2024-08-01-fog/"' in notes
    assert ">Fog on the canal path</a>" in notes
    assert '<a href="https://rain.example.org/issues/2024-09-issue/"' in notes
    assert "<h2>0:00:30 Capes</h2>" in notes and "Ponchos versus jackets." in notes


def test_description_lists_chapter_starts(tmp_path: Path, storm: Episode):
    result = podcast_feed(make_show(tmp_path, storm), ARTWORK)
    description = parse(result).find("channel/item").findtext("description")
    assert description == (
        "<p>We ride home in the rain.</p><p>00:00 Intro<br>00:30 Capes<br>00:50 Listener mail</p>"
    )
    assert b"<description><![CDATA[<p>We ride home" in result.xml  # HTML in CDATA


def test_long_episodes_list_hours(tmp_path: Path, storm: Episode):
    long = replace(
        storm,
        audio=replace(storm.audio, duration=2 * 3600.0),
        chapters=(Chapter("Intro", 0.0), Chapter("Late", 3725.0, timed=True)),
    )
    root = parse(podcast_feed(make_show(tmp_path, long), ARTWORK))
    assert "00:00:00 Intro<br>01:02:05 Late" in root.find("channel/item").findtext("description")
    assert root.find("channel/item").findtext("itunes:duration", namespaces=NS) == "7200"


def test_chapter_json_starts_at_zero_and_ascends(tmp_path: Path, storm: Episode):
    data = json.loads(chapter_json(storm, BASE))
    assert data == {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Intro"},
            {"startTime": 30, "title": "Capes"},
            {"startTime": 50.5, "title": "Listener mail"},
        ],
    }
    # The chapters stage made the list final; chapters it could not place are left out.
    late = replace(
        storm,
        chapters=(
            Chapter("Intro", 0.0),
            Chapter("Capes", 40.0, timed=True),
            Chapter("Unplaced", None),
            Chapter("Mail", 90.0, timed=True),
        ),
    )
    assert [
        (c["startTime"], c["title"]) for c in json.loads(chapter_json(late, BASE))["chapters"]
    ] == [
        (0, "Intro"),
        (40, "Capes"),
        (90, "Mail"),
    ]
    assert chapter_json(replace(storm, chapters=(Chapter("Unplaced", None),)), BASE) is None
    assert chapter_json(replace(storm, chapters=()), BASE) is None


def test_episodes_without_audio_are_left_out(tmp_path: Path, storm: Episode, fog: Episode):
    waiting = replace(
        fog,
        slug="2024-08-20-hail",
        title="Hail",
        audio=None,
        date=datetime(2024, 8, 20, tzinfo=UTC),
    )
    root = parse(podcast_feed(make_show(tmp_path, storm, fog, waiting), ARTWORK))
    assert [i.findtext("title") for i in items(root)] == [
        "Riding through the storm",
        "Fog on the canal path",
    ]
    # The feed's dates come from the newest item in it, not the clock.
    assert root.findtext("channel/lastBuildDate") == "Wed, 07 Aug 2024 09:00:00 +0000"
    assert root.findtext("channel/pubDate") == "Wed, 07 Aug 2024 09:00:00 +0000"


def test_a_rebuild_is_byte_identical(tmp_path: Path, storm: Episode, fog: Episode):
    show = make_show(tmp_path, fog, storm)
    first = podcast_feed(show, ARTWORK).xml
    second = podcast_feed(make_show(tmp_path, storm, fog), ARTWORK).xml
    assert first == second
    assert shorts_feed(show, ARTWORK).xml == shorts_feed(show, ARTWORK).xml
    assert newsletter_feed(show, ARTWORK).xml == newsletter_feed(show, ARTWORK).xml


# --- identity -----------------------------------------------------------------------------


def test_show_guid_follows_the_podcast_index_rule():
    assert feed_url_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert feed_url_guid("http://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    unset = make_site(guid=None)
    assert show_guid(unset) == feed_url_guid("https://rain.example.org/podcast.xml")
    assert show_guid(make_site()) == SITE_GUID


def test_an_unset_show_guid_warns_with_the_value_to_keep(tmp_path: Path, storm: Episode):
    site = make_site(guid=None)
    result = podcast_feed(make_show(tmp_path, storm, site=site), ARTWORK)
    derived = feed_url_guid("https://rain.example.org/podcast.xml")
    assert parse(result).findtext("channel/podcast:guid", namespaces=NS) == derived
    (warning,) = [w for w in result.warnings if "guid" in w]
    assert warning.startswith("site.toml:") and f'guid = "{derived}"' in warning
    assert not [
        w for w in podcast_feed(make_show(tmp_path, storm), ARTWORK).warnings if "guid" in w
    ]


def test_episode_guid_survives_edits_and_moves(tmp_path: Path, storm: Episode, tone: Path):
    site = make_site()
    before = episode_guid(storm, site)
    assert uuid.UUID(before).version == 5
    assert before == str(uuid.uuid5(uuid.UUID(SITE_GUID), storm.slug))
    edited = replace(
        storm,
        title="Riding through the big storm",
        date=storm.date + timedelta(days=2),
        audio=replace(storm.audio, size=storm.audio.size + 1000, duration=99.0),
    )
    moved = make_site(url="https://bikes.example.net/rain/")
    assert episode_guid(edited, moved) == before
    in_feed = parse(podcast_feed(make_show(tmp_path, edited, site=moved), ARTWORK))
    assert in_feed.findtext("channel/item/guid") == before
    imported = replace(storm, guid="https://old-host.example.com/ep/2")
    assert episode_guid(imported, site) == "https://old-host.example.com/ep/2"
    assert episode_guid(replace(storm, slug="2024-08-08-other"), site) != before


# --- text that could break XML ------------------------------------------------------------


def test_special_characters_stay_text(tmp_path: Path, storm: Episode):
    title = "Rain & <hail> \"quoted\" 'single' 🚲🌧 done"
    dirty = replace(
        storm,
        title=title + "\x00\x07\x1b",
        summary='Tom & Jerry <script>alert(1)</script> say "hi" ☔\x0b\x1f',
        body="Notes & <b>bold</b> \x08 ]]> 🚴\n",
        guests=(Person("Zoë \x01& Co"),),
    )
    site = make_site(title="Rain & <Bikes>\x02", description='"Wet" & windy 🌬\x0c')
    result = podcast_feed(make_show(tmp_path, dirty, site=site), ARTWORK)
    root = parse(result)  # well-formed despite the control characters
    read_leniently(result.xml)
    read_strictly(result.xml)
    assert root.findtext("channel/title") == "Rain & <Bikes>"
    # The channel description is HTML to readers, as an item's: the plain text escaped for it.
    assert root.findtext("channel/description") == '"Wet" &amp; windy 🌬'
    item = root.find("channel/item")
    assert item.findtext("title") == title
    assert 'Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt; say "hi" ☔' in item.findtext(
        "description"
    )
    notes = item.findtext("content:encoded", namespaces=NS)
    assert "<script>" not in notes and "Notes &amp; <b>bold</b>" in notes and "🚴" in notes
    assert "]]&gt;" in notes
    assert item.xpath("podcast:person[@role='guest']/text()", namespaces=NS) == ["Zoë & Co"]


def test_a_long_description_is_cut_on_a_character_boundary(tmp_path: Path, storm: Episode):
    summary = "🌧 rain & wind " * 400  # ~6,800 bytes, with 4-byte characters and entities
    long = replace(storm, summary=summary)
    result = podcast_feed(make_show(tmp_path, long), ARTWORK)
    description = parse(result).find("channel/item").findtext("description")
    assert len(description.encode("utf-8")) <= DESCRIPTION_LIMIT
    assert description.startswith("<p>🌧 rain &amp; wind")
    assert "…</p><p>00:00 Intro<br>" in description  # the chapter list survives the cut
    assert "\ufffd" not in description
    (warning,) = [w for w in result.warnings if "description" in w]
    assert str(long.outline_path) in warning and "shorten the summary" in warning

    site = make_site(description="Wet " * 1200)
    result = podcast_feed(make_show(tmp_path, storm, site=site), ARTWORK)
    channel_description = parse(result).findtext("channel/description")
    assert len(channel_description.encode("utf-8")) <= DESCRIPTION_LIMIT
    assert any(
        w.startswith("site.toml: the description is 4799 bytes, over the 4000")
        for w in result.warnings
    )


# --- artwork ------------------------------------------------------------------------------


def test_a_show_without_artwork_gets_generated_artwork(tmp_path: Path, storm: Episode):
    site = make_site(image=None)
    result = podcast_feed(make_show(tmp_path, storm, site=site), ARTWORK)
    assert not any("image" in w for w in result.warnings)  # load warns, once
    png = generated_artwork(site.title)
    assert png == generated_artwork(site.title)  # deterministic: a rebuild changes no byte
    assert png != generated_artwork("Another show")
    path = tmp_path / "artwork.png"
    path.write_bytes(png)
    with Image.open(path) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (1400, 1400))
        corner = image.getpixel((0, 0))
        centre = {colour for _count, colour in image.crop((200, 600, 1200, 800)).getcolors(99999)}
    assert len(centre) > 2 and corner in centre  # the title is drawn on the plain background
    assert artwork_problems(path) == []


def test_artwork_url_must_end_in_jpg_or_png(tmp_path: Path, storm: Episode):
    result = podcast_feed(make_show(tmp_path, storm), "https://rain.example.org/art.jpeg")
    assert parse(result).find("channel/itunes:image", NS) is None
    assert any("does not end in .jpg or .png" in w for w in result.warnings)


def test_episode_cover_is_the_item_image(tmp_path: Path, storm: Episode):
    covered = replace(storm, cover=storm.folder / "cover.PNG")
    root = parse(podcast_feed(make_show(tmp_path, covered), ARTWORK))
    assert root.find("channel/item/itunes:image", NS).get("href") == (
        "https://rain.example.org/episodes/2024-08-07-storm/cover.png"
    )


# --- shorts.xml ---------------------------------------------------------------------------


def test_shorts_feed_is_a_valid_podcast_before_any_short_exists(tmp_path: Path, storm: Episode):
    show = make_show(tmp_path, storm)
    result = shorts_feed(show, ARTWORK)
    root = parse(result)
    assert items(root) == []
    assert root.findtext("channel/title") == "Rain and Bikes (shorts)"
    shorts_guid = str(uuid.uuid5(uuid.UUID(SITE_GUID), "shorts"))
    assert root.findtext("channel/podcast:guid", namespaces=NS) == shorts_guid
    assert root.find("channel/atom:link", NS).get("href") == "https://rain.example.org/shorts.xml"
    assert root.find("channel/lastBuildDate") is None  # no content, no date
    read_leniently(result.xml)
    assert read_strictly(result.xml, "https://rain.example.org/shorts.xml")["episodes"] == []


def test_a_short_links_back_to_its_full_episode(tmp_path: Path, storm: Episode, tone: Path):
    short_audio = published(tone)
    short = ShortVersion(
        target=60.0,
        excerpts=(
            Excerpt(0.0, 20.0, 0.0, "Welcome to the storm episode."),
            Excerpt(754.5, 790.0, 20.0, "Capes keep your knees dry & warm."),
        ),
        key_points=("Capes keep your knees dry.",),
        chapters=(Chapter("Storm", 0.0), Chapter("Capes", 20.0)),
        transcript=storm.transcript,
        audio=short_audio,
    )
    show = make_show(tmp_path, replace(storm, short=short))
    result = shorts_feed(show, ARTWORK)
    root = parse(result)
    (item,) = items(root)
    page = "https://rain.example.org/episodes/2024-08-07-storm/"
    assert item.findtext("link") == page
    description = item.findtext("description")
    assert f'<a href="{page}">Riding through the storm</a>' in description
    assert "<p>Capes keep your knees dry.</p>" in description
    assert "An edited excerpt of the full episode" in description
    assert (
        f'<a href="{page}#t=754.5">12:34</a>: Capes keep your knees dry &amp; warm.' in description
    )
    assert item.find("enclosure").get("url") == page + "short.mp3"
    assert item.findtext("guid") == short_guid(storm, show.site)
    assert item.findtext("guid") != episode_guid(storm, show.site)
    assert item.findtext("guid") == str(
        uuid.uuid5(uuid.uuid5(uuid.UUID(SITE_GUID), "shorts"), storm.slug)
    )
    [transcript] = item.findall("podcast:transcript", NS)
    assert transcript.get("url") == page + "short.vtt"
    assert item.find("podcast:chapters", NS).get("url") == page + "short.chapters.json"
    gpodder = read_strictly(result.xml, "https://rain.example.org/shorts.xml")
    assert gpodder["episodes"][0]["enclosures"][0]["file_size"] == short_audio.size
    assert gpodder["episodes"][0]["chapters"] == [
        {"start": 0, "title": "Storm"},
        {"start": 20, "title": "Capes"},
    ]
    assert read_leniently(result.xml).entries[0].title == "Riding through the storm (short)"


def test_a_long_short_versions_list_of_parts_stays_within_the_description_limit(
    tmp_path: Path, storm: Episode, tone: Path
):
    said = "A long sentence about capes and fenders that goes on for a while, as hosts do."
    excerpts = tuple(Excerpt(30.0 * k, 30.0 * k + 12.0, 12.0 * k, said) for k in range(75))
    short = ShortVersion(target=900.0, excerpts=excerpts, audio=published(tone))
    result = shorts_feed(make_show(tmp_path, replace(storm, short=short)), ARTWORK)
    (item,) = items(parse(result))
    description = item.findtext("description")
    assert len(description.encode()) <= 4000
    assert "75 parts of it, in order." in description
    assert re.search(r"<li>and \d+ more, listed on <a href=\"[^\"]+#short\">", description)
    assert result.warnings == ()


def test_soundbites_are_in_the_podcast_feed(tmp_path: Path, storm: Episode):
    bites = (Soundbite(73.5, 42.0, "Capes & knees."), Soundbite(300.0, 15.5, "Fenders."))
    short = ShortVersion(target=60.0, soundbites=bites)
    root = parse(podcast_feed(make_show(tmp_path, replace(storm, short=short)), ARTWORK))
    (item,) = items(root)
    found = [
        (b.get("startTime"), b.get("duration"), b.text)
        for b in item.findall("podcast:soundbite", NS)
    ]
    assert found == [("73.50", "42.00", "Capes & knees."), ("300.00", "15.50", "Fenders.")]


# --- newsletter.xml -----------------------------------------------------------------------


def test_newsletter_feed_carries_whole_issues(tmp_path: Path, storm: Episode):
    issue = Issue(
        slug="2024-09-issue",
        path=tmp_path / "issues" / "2024-09-issue.md",
        title="September letter",
        date=datetime(2024, 9, 1, 8, 0, tzinfo=UTC),
        body="Dear riders & friends,\n\nListen to [[2024-08-07-storm]].\n\n## More\nCapes.\n",
        preheader="Capes & storms",
    )
    older = replace(
        issue,
        slug="2024-08-issue",
        title="August letter",
        preheader="",
        date=datetime(2024, 8, 1, tzinfo=UTC),
    )
    show = make_show(tmp_path, storm, issues=(issue, older))
    result = newsletter_feed(show, ARTWORK)
    root = parse(result)
    channel = root.find("channel")
    assert channel.findtext("podcast:medium", namespaces=NS) == "newsletter"
    assert channel.find("atom:link", NS).get("href") == "https://rain.example.org/newsletter.xml"
    assert channel.findtext("lastBuildDate") == "Sun, 01 Sep 2024 08:00:00 +0000"
    assert root.xpath("//enclosure") == []
    first, second = items(root)
    assert first.findtext("link") == "https://rain.example.org/issues/2024-09-issue/"
    # A description is HTML to readers: the plain preheader is escaped for it.
    assert first.findtext("description") == "Capes &amp; storms"
    assert second.findtext("description") == "Dear riders &amp; friends,"
    content = first.findtext("content:encoded", namespaces=NS)
    assert 'href="https://rain.example.org/episodes/2024-08-07-storm/"' in content
    assert "<h2>More</h2>" in content
    assert first.findtext("guid") != second.findtext("guid")
    reader = read_leniently(result.xml)
    assert [e.title for e in reader.entries] == ["September letter", "August letter"]
    # feedparser hands the description on as HTML, as apps show it.
    assert [e.summary for e in reader.entries] == [
        "Capes &amp; storms",
        "Dear riders &amp; friends,",
    ]
    gpodder = read_strictly(result.xml, "https://rain.example.org/newsletter.xml")
    assert [(e["title"], e["enclosures"]) for e in gpodder["episodes"]] == [
        ("September letter", []),
        ("August letter", []),
    ]


def test_a_preheader_is_text_in_the_newsletter_feed(tmp_path: Path, storm: Episode):
    issue = Issue(
        slug="2024-09-issue",
        path=tmp_path / "issues" / "2024-09-issue.md",
        title="September letter",
        date=datetime(2024, 9, 1, 8, 0, tzinfo=UTC),
        body="Hello.\n",
        preheader='<img src="x" onerror="alert(1)"> & <b>bold</b>',
    )
    xml = newsletter_feed(make_show(tmp_path, storm, issues=(issue,)), ARTWORK).xml
    (item,) = items(parse(FeedResult(xml)))
    assert item.findtext("description") == (
        '&lt;img src="x" onerror="alert(1)"&gt; &amp; &lt;b&gt;bold&lt;/b&gt;'
    )
    (entry,) = read_leniently(xml).entries
    assert "<img" not in entry.summary and "<b>" not in entry.summary  # no live markup
    assert html.unescape(entry.summary) == '<img src="x" onerror="alert(1)"> & <b>bold</b>'
