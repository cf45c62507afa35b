"""The ``render`` stage: the one Jinja environment, and every page, feed and file to publish."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined
from markupsafe import Markup

from pipeline import artwork, feeds, markup, transcribe
from pipeline.errors import Problems
from pipeline.model import Episode, Issue, Show
from pipeline.publish import Output


@dataclass(frozen=True)
class Rendered:
    outputs: tuple[Output, ...]
    artwork_url: str


def environment(root: Path) -> Environment:
    """The show's templates first, then the default theme; a typo in a template fails."""
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(str(Path(root) / "templates")),
                PackageLoader("pipeline", "templates"),
            ]
        ),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = clock
    env.filters["human_date"] = lambda d: f"{d:%-d %B %Y}"
    env.filters["iso_date"] = lambda d: d.isoformat()
    return env


def clock(seconds: float | None) -> str:
    """Seconds as ``M:SS`` or ``H:MM:SS``, as hosts write chapter times."""
    if seconds is None:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render_show(show: Show, problems: Problems, kept: Mapping[str, Episode] = {}) -> Rendered:
    """Everything published for the show, as outputs for the publish stage.

    ``kept`` holds the last good version of broken episodes: they stay listed and in the
    feeds, and their own files are left as they were.
    """
    env = environment(show.root)
    site = show.site
    listed = tuple(
        sorted((*show.episodes, *kept.values()), key=lambda e: (e.date, e.slug), reverse=True)
    )
    listed_show = replace(show, episodes=listed, waiting=())
    # Pages link with relative URLs (they work from disk, `pipeline serve` and any folder).
    targets = link_targets(listed_show, "../../")
    outputs: list[Output] = []

    art_name, art_output = _artwork(show, problems)
    outputs.append(art_output)
    artwork_url = site.url + art_name

    common = {"site": site, "artwork": art_name}
    by_slug = {e.slug: e for e in listed}
    for episode in show.episodes:
        outputs += _episode_outputs(env, episode, common, by_slug, targets)
    for issue in show.issues:
        html = env.get_template("issue.html").render(
            **common,
            root="../../",
            issue=issue,
            body=Markup(markup.to_html(issue.body, targets)),
            episodes=[by_slug[s] for s in issue_episodes(issue, listed_show) if s in by_slug],
        )
        outputs.append(Output(f"issues/{issue.slug}/index.html", html.encode(), owner=issue.slug))

    index = env.get_template("index.html").render(
        **common,
        root="",
        episodes=listed,
        issues=show.issues,
        summaries={e.slug: e.summary or markup.to_plain(e.intro) for e in listed},
    )
    outputs.append(Output("index.html", index.encode()))

    for name, result in (
        ("podcast.xml", feeds.podcast_feed(listed_show, artwork_url)),
        ("shorts.xml", feeds.shorts_feed(listed_show, artwork_url)),
        ("newsletter.xml", feeds.newsletter_feed(listed_show, artwork_url)),
    ):
        for warning in result.warnings:
            problems.warning(name, warning)
        outputs.append(Output(name, result.xml))
    outputs.append(Output("sitemap.xml", sitemap(site.url, outputs, listed_show)))
    return Rendered(tuple(outputs), artwork_url)


def _episode_outputs(
    env: Environment,
    episode: Episode,
    common: dict[str, object],
    by_slug: dict[str, Episode],
    targets: dict[str, tuple[str, str]],
) -> list[Output]:
    slug = episode.slug
    base = f"episodes/{slug}/"
    out: list[Output] = []
    assert episode.audio is not None, "the master stage runs before render"
    out.append(Output(f"{base}{slug}.mp3", source=episode.audio.path, owner=slug))
    cover = None
    if episode.cover is not None:
        cover = f"cover{episode.cover.suffix.lower()}"
        out.append(Output(base + cover, source=episode.cover, owner=slug))
    files = {}
    if episode.transcript is not None:
        for ext, write in (
            ("vtt", transcribe.to_vtt),
            ("srt", transcribe.to_srt),
            ("json", transcribe.to_podcast_json),
            ("txt", transcribe.to_text),
        ):
            files[ext] = f"transcript.{ext}"
            out.append(
                Output(f"{base}transcript.{ext}", write(episode.transcript).encode(), owner=slug)
            )
    chapters_json = feeds.chapter_json(episode)
    if chapters_json is not None:
        files["chapters"] = "chapters.json"
        out.append(Output(f"{base}chapters.json", chapters_json.encode(), owner=slug))

    def titled(slugs):
        return [(s, *targets[s]) for s in slugs if s in targets]

    html = env.get_template("episode.html").render(
        **common,
        root="../../",
        episode=episode,
        cover=cover,
        files=files,
        intro=Markup(markup.to_html(episode.intro, targets)),
        notes=[Markup(markup.to_html(c.notes, targets)) for c in episode.chapters],
        segments=episode.transcript.segments if episode.transcript else (),
        references=titled(episode.references),
        backlinks=titled(episode.backlinks),
        related=[by_slug[s] for s in episode.related if s in by_slug],
    )
    out.append(Output(f"{base}index.html", html.encode(), owner=slug))
    return out


def _artwork(show: Show, problems: Problems) -> tuple[str, Output]:
    site = show.site
    if site.image:
        path = show.root / site.image
        if not path.resolve().is_relative_to(show.root.resolve()) or not path.is_file():
            problems.error(
                show.root / "site.toml",
                f"'image' {site.image!r} is not a file inside the show folder; "
                "give the path of the square artwork relative to site.toml",
            )
        else:
            ext = path.suffix.lower().replace(".jpeg", ".jpg")
            return f"artwork{ext}", Output(f"artwork{ext}", source=path)
    else:
        problems.warning(
            show.root / "site.toml",
            "has no 'image'; using generated artwork (the title on a plain square). "
            'Add image = "artwork.png" with your own square 1400-3000 px artwork',
        )
    return "artwork.png", Output("artwork.png", artwork.generated_artwork(site.title))


def link_targets(show: Show, base: str) -> dict[str, tuple[str, str]]:
    """Every ``[[slug]]`` target: slug to (title, URL of its page under ``base``)."""
    targets = {e.slug: (e.title, f"{base}episodes/{e.slug}/index.html") for e in show.episodes}
    targets.update({i.slug: (i.title, f"{base}issues/{i.slug}/index.html") for i in show.issues})
    return targets


def issue_episodes(issue: Issue, show: Show) -> tuple[str, ...]:
    """The episodes an issue presents: its own list, or those published since the last issue."""
    if issue.episodes is not None:
        return issue.episodes
    earlier = [i.date for i in show.issues if i.date < issue.date]
    since = max(earlier) if earlier else datetime.min.replace(tzinfo=issue.date.tzinfo)
    return tuple(e.slug for e in show.episodes if since < e.date <= issue.date)


def sitemap(url: str, outputs: list[Output], show: Show) -> bytes:
    """Every page, with the date of its content where it has one."""
    dates = {f"episodes/{e.slug}/index.html": e.date for e in show.episodes}
    dates.update({f"issues/{i.slug}/index.html": i.date for i in show.issues})
    newest = max(dates.values(), default=None)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for output in sorted(outputs, key=lambda o: o.path):
        if not output.path.endswith("index.html"):
            continue
        loc = url + output.path.removesuffix("index.html")
        when = dates.get(output.path, newest)
        lastmod = f"<lastmod>{when.date().isoformat()}</lastmod>" if when else ""
        lines.append(f"  <url><loc>{xml_escape(loc)}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode()
