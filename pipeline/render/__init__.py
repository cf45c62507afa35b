"""The ``render`` stage: the one Jinja environment, and every page, feed and file to publish."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup

from pipeline import artwork, feeds, markup
from pipeline.errors import Problems
from pipeline.formats import reading, transcripts
from pipeline.formats.chapters import chapter_json
from pipeline.formats.structured import structured_data
from pipeline.formats.times import clock
from pipeline.model import Episode, Issue, Output, Show
from pipeline.render import search
from pipeline.render.listings import archive, sitemap, topic_slug, topics

LATEST, LATEST_ISSUES = 5, 3  # on the home page; the archive below them lists everything
TEMPLATE_LIMIT = 1_000_000  # bytes: a show's template is a page, not a data file


@dataclass(frozen=True)
class Kept:
    """The last good version of broken episodes and issues: they stay online as they were."""

    episodes: Mapping[str, Episode] = field(default_factory=dict)
    issues: Mapping[str, Issue] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    outputs: tuple[Output, ...]
    keep: frozenset[str] = frozenset()  # paths that failed to render: the last good one stays


class TemplateRefused(SecurityError):
    """A show template that may not be used: it leads outside the show, or is too large."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.filename = str(path)


class ShowTemplates(FileSystemLoader):
    """The show's own templates: only files that stay inside the show folder, links included."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        super().__init__(str(Path(root) / "templates"))

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        path = Path(self.searchpath[0]).joinpath(*split_template_path(template))
        if not path.is_file():
            raise TemplateNotFound(template)
        if not path.resolve().is_relative_to(self.root):
            raise TemplateRefused(
                path,
                f"templates/{template} leads outside the show folder; replace the link with "
                "the template itself",
            )
        if path.stat().st_size > TEMPLATE_LIMIT:
            raise TemplateRefused(path, f"templates/{template} is over {TEMPLATE_LIMIT} bytes")
        return super().get_source(environment, template)


def environment(root: Path) -> Environment:
    """The show's templates first, then the default theme; a typo in a template fails.

    Templates come from a folder the whole collective writes to, so they render in Jinja's
    sandbox: a template that reaches for Python internals fails with a SecurityError.
    """
    env = SandboxedEnvironment(
        loader=ChoiceLoader([ShowTemplates(root), PackageLoader("pipeline", "templates")]),
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


class TemplateFailed(Exception):
    """A template could not render a page; names the template file (an included one too)."""

    def __init__(self, name: str, exc: Exception) -> None:
        self.path, line = _failing_template(exc)
        detail = (getattr(exc, "message", None) or str(exc)).rstrip(".")[:200]
        where = self.path.name if self.path else name
        super().__init__(
            f"the template {where}{f' (line {line})' if line else ''} failed: {detail}; fix it "
            "in templates/, or delete the file there to use the default theme's"
        )


def _failing_template(exc: Exception) -> tuple[Path | None, int | None]:
    """The template file and line where rendering failed (Jinja puts them in the traceback)."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if filename:  # a syntax error, or a template the loader refused
        return Path(filename), line
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code.co_filename
        if code.endswith((".html", ".txt", ".xml", ".mjml")) and Path(code).is_file():
            filename, line = code, tb.tb_lineno
        tb = tb.tb_next
    return (Path(filename) if filename else None), line


def render_page(env: Environment, name: str, **context: Any) -> bytes:
    """One page from one template; raises TemplateFailed naming the template."""
    try:
        return env.get_template(name).render(**context).encode("utf-8")
    except TemplateError as exc:
        raise TemplateFailed(name, exc) from None


def render_show(
    show: Show, problems: Problems, kept: Kept = Kept(), search_cache: Path | None = None
) -> Rendered:
    """Everything published for the show, as outputs for the publish stage.

    With ``search_cache`` (a folder of the state folder), the search index is built there
    (or reused from there) and published under ``pagefind/``.

    ``kept`` holds the last good version of broken episodes and issues: they are rendered
    again from it, so they stay online as they were, also into a new output folder. A page
    or feed that fails to render keeps its last good version (``Rendered.keep``).
    """
    from pipeline.render import email  # it renders with this module's environment

    env = environment(show.root)
    site = show.site
    by_date = lambda item: (item.date, item.slug)  # noqa: E731
    listed = tuple(sorted((*show.episodes, *kept.episodes.values()), key=by_date, reverse=True))
    issues = tuple(sorted((*show.issues, *kept.issues.values()), key=by_date, reverse=True))
    listed_show = replace(show, episodes=listed, issues=issues, waiting=())
    # Pages link with relative URLs (they work from disk, `pipeline serve` and any folder).
    targets = link_targets(listed_show, "../../")
    outputs: list[Output] = []
    keep: set[str] = set()

    def page(path: str, template: str, owner: str | None, **context: Any) -> None:
        page_url = site.url + path.removesuffix("index.html")
        try:
            data = render_page(env, template, page_url=page_url, **context)
            outputs.append(Output(path, data, owner=owner))
        except TemplateFailed as exc:
            problems.error(exc.path or template, f"{exc} ({path} is kept as it was)")
            keep.add(path)

    art_name, art_output = _artwork(show, problems)
    outputs.append(art_output)
    artwork_url = site.url + art_name

    common: dict[str, Any] = {"site": site, "artwork": art_name}
    by_slug = {e.slug: e for e in listed}
    for n, episode in enumerate(listed):  # newest first
        files, context = _episode_files(episode, outputs, targets, site.url)
        page(
            f"episodes/{episode.slug}/index.html",
            "episode.html",
            episode.slug,
            **common,
            **context,
            root="../../",
            episode=episode,
            files=files,
            related=[by_slug[s] for s in episode.related if s in by_slug],
            newer=listed[n - 1] if n else None,
            older=listed[n + 1] if n + 1 < len(listed) else None,
            structured=structured_data(episode, site),
            topic_links=[(to, t) for t in episode.topics if (to := topic_slug(t))],
        )
    for issue in issues:
        page(
            f"issues/{issue.slug}/index.html",
            "issue.html",
            issue.slug,
            **common,
            root="../../",
            issue=issue,
            body=Markup(markup.to_html(issue.body, targets)),
            episodes=[by_slug[s] for s in issue_episodes(issue, listed_show) if s in by_slug],
        )
        try:
            outputs.extend(email.issue_outputs(listed_show, issue, env, problems))
        except TemplateFailed as exc:
            names = [f"issues/{issue.slug}/{name}" for name in email.EMAIL_FILES]
            problems.error(
                exc.path or "email.mjml", f"{exc} ({', '.join(names)} are kept as they were)"
            )
            keep.update(names)
    by_topic = topics(listed)
    for slug, name, episodes in by_topic:
        page(
            f"topics/{slug}/index.html",
            "topic.html",
            None,
            **common,
            root="../../",
            topic=name,
            episodes=episodes,
        )
    if by_topic:
        page("topics/index.html", "topics.html", None, **common, root="../", topics=by_topic)
    if search_cache is not None:
        outputs += search.search_index(outputs, site.language, search_cache, problems)
        page("search/index.html", "search.html", None, **common, root="../", topics=by_topic)
    page(
        "index.html",
        "index.html",
        None,
        **common,
        root="",
        episodes=listed,
        issues=issues,
        summaries={e.slug: e.summary or markup.to_plain(e.intro) for e in listed[:LATEST]},
        has_topics=bool(by_topic),
        latest=LATEST,
        latest_issues=LATEST_ISSUES,
        archive=archive(listed, issues),
        subscribe_address=site.newsletter.reply_to or site.newsletter.from_ or site.email,
    )

    for name, make in (
        ("podcast.xml", feeds.podcast_feed),
        ("shorts.xml", feeds.shorts_feed),
        ("newsletter.xml", feeds.newsletter_feed),
    ):
        try:
            result = make(listed_show, artwork_url)
            _parse_feed(result.xml)
        except (ValueError, etree.LxmlError) as exc:
            problems.error(
                show.root / "site.toml",
                f"{name} could not be written ({str(exc)[:200]}); the last good {name} stays "
                "published until this is fixed",
            )
            keep.add(name)
            continue
        for warning in result.warnings:
            problems.warning(name, warning)
        outputs.append(Output(name, result.xml))
    outputs.append(Output("sitemap.xml", sitemap(site.url, outputs, listed_show)))
    return Rendered(tuple(outputs), frozenset(keep))


def _parse_feed(xml: bytes) -> None:
    """A feed is published only when it parses as RSS: podcast apps drop a broken one."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(xml, parser)
    if root.tag != "rss" or root.find("channel") is None:
        raise ValueError("the feed has no <rss><channel>")


def _episode_files(
    episode: Episode, outputs: list[Output], targets: dict[str, tuple[str, str]], show_url: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """The episode's audio, cover, transcript and chapter files and art; the page's context."""
    slug = episode.slug
    base = f"episodes/{slug}/"
    assert episode.audio is not None, "the master stage runs before render"
    outputs.append(Output(f"{base}{slug}.mp3", source=episode.audio.path, owner=slug))
    cover = None
    if episode.cover is not None:
        cover = f"cover{episode.cover.suffix.lower()}"
        outputs.append(Output(base + cover, source=episode.cover, owner=slug))
    files = {}
    if episode.transcript is not None:
        for ext, write in (
            ("vtt", transcripts.to_vtt),
            ("srt", transcripts.to_srt),
            ("json", transcripts.to_podcast_json),
            ("txt", transcripts.to_text),
        ):
            files[ext] = f"transcript.{ext}"
            data = write(episode.transcript).encode()
            outputs.append(Output(f"{base}transcript.{ext}", data, owner=slug))
    chapters_json = chapter_json(episode, f"{show_url}{base}")
    if chapters_json is not None:
        files["chapters"] = "chapters.json"
        outputs.append(Output(f"{base}chapters.json", chapters_json.encode(), owner=slug))
    short = episode.short
    if short is not None and short.audio is not None:
        outputs.append(Output(f"{base}short.mp3", source=short.audio.path, owner=slug))
        if short.transcript is not None:
            files["short.vtt"] = "short.vtt"
            vtt = transcripts.to_vtt(short.transcript).encode()
            outputs.append(Output(f"{base}short.vtt", vtt, owner=slug))
        short_json = chapter_json(episode, f"{show_url}{base}", short.chapters)
        if short_json is not None:
            files["short.chapters"] = "short.chapters.json"
            outputs.append(Output(f"{base}short.chapters.json", short_json.encode(), owner=slug))

    images: list[dict[str, str]] = []  # per chapter: each image as written, as published
    published: set[str] = set()
    for chapter in episode.chapters:
        images.append({})
        for image in chapter.images:
            path = image.published(episode.folder)
            images[-1][image.src] = quote(path)
            if path not in published:
                published.add(path)
                outputs.append(Output(base + path, source=image.path, owner=slug))

    def titled(slugs: tuple[str, ...]) -> list[tuple[str, str, str]]:
        return [(s, *targets[s]) for s in slugs if s in targets]

    context = {
        "cover": cover,
        "intro": Markup(markup.to_html(episode.intro, targets)),
        "notes": [
            Markup(markup.to_html(c.notes, targets, shown))
            for c, shown in zip(episode.chapters, images, strict=True)
        ],
        "paragraphs": (
            reading.paragraphs(episode.transcript, episode.chapters) if episode.transcript else []
        ),
        "references": titled(episode.references),
        "backlinks": titled(episode.backlinks),
    }
    return files, context


def _artwork(show: Show, problems: Problems) -> tuple[str, Output]:
    """The show's artwork as published: its own file (load found it), or generated."""
    if show.artwork is not None:
        ext = show.artwork.suffix.lower().replace(".jpeg", ".jpg")
        return f"artwork{ext}", Output(f"artwork{ext}", source=show.artwork)
    if not show.site.image:  # else load reported why the file cannot be used
        problems.warning(
            show.root / "site.toml",
            "has no 'image', so generated artwork (the title on a plain square) is published; "
            'add image = "artwork.jpg" with your own square artwork, 1400–3000 px, RGB JPEG '
            "or PNG",
        )
    return "artwork.png", Output("artwork.png", artwork.generated_artwork(show.site.title))


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
