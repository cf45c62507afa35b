"""The rule catalogue of `pipeline check`: every rule's id, level and description, and the
limits and lists of names the rules accept."""

from __future__ import annotations

from pipeline.errors import Level

RULES: dict[str, tuple[Level, str]] = {
    "feed-missing": ("error", "podcast.xml, shorts.xml and newsletter.xml are in the output"),
    "xml-malformed": ("error", "the feed is well-formed XML"),
    "rss-root": ("error", 'the root is <rss version="2.0"> with one <channel>'),
    "namespace-uri": ("error", "namespace URIs are exactly the ones apps look for"),
    "namespace-legacy": ("warning", "the podcast namespace uses its current URI"),
    "channel-title": ("error", "the channel has a title"),
    "channel-link": ("error", "the channel links to the website, not to the feed"),
    "channel-description": ("error", "the channel has a description"),
    "description-size": ("error", "channel and item descriptions are at most 4000 bytes"),
    "language": ("error", "<language> is an ISO 639 code"),
    "atom-self": ("error", "atom:link rel=self points at the published feed URL"),
    "itunes-image": ("error", "itunes:image is an absolute URL ending .jpg or .png"),
    "artwork": ("error", "artwork is square, 1400–3000 px, RGB JPEG/PNG named for its format"),
    "category-missing": ("error", "the show has an itunes:category"),
    "category-name": ("error", "itunes:category names are Apple's, exact case"),
    "category-sub": ("error", "a subcategory belongs to its parent category"),
    "explicit": ("error", "itunes:explicit is true or false"),
    "itunes-author": ("warning", "the show has an itunes:author"),
    "itunes-owner": ("warning", "the show has an itunes:owner with itunes:email"),
    "itunes-type": ("error", "itunes:type is episodic or serial"),
    "itunes-type-missing": ("warning", "the show has an itunes:type"),
    "podcast-guid": ("error", "podcast:guid is a UUID"),
    "podcast-guid-missing": ("warning", "the show has a podcast:guid"),
    "locked": ("error", "podcast:locked is yes/no with the owner's email"),
    "locked-missing": ("warning", "the show has podcast:locked"),
    "funding": ("error", "podcast:funding has a URL and a label of at most 128 characters"),
    "medium": ("error", "podcast:medium is a known medium"),
    "date-format": ("error", "dates are RFC 2822"),
    "item-title": ("error", "every item has a title"),
    "title-episode-number": ("warning", 'titles do not start with "Episode N:"'),
    "title-show-name": ("warning", "item titles do not repeat the show's title"),
    "enclosure-count": ("error", "every podcast item has exactly one enclosure"),
    "enclosure-attributes": ("error", "enclosures have an absolute URL and a byte length"),
    "enclosure-type": ("error", "enclosure types are audio/mpeg or audio/x-m4a, as named"),
    "enclosure-unique": ("error", "enclosure URLs are unique in the feed"),
    "enclosure-file": ("error", "a published enclosure file exists in the output"),
    "enclosure-length": ("error", "enclosure length is the file's size in bytes"),
    "duration": ("error", "itunes:duration matches the audio file"),
    "duration-format": ("warning", "itunes:duration is whole seconds"),
    "guid-missing": ("error", "every item has a guid"),
    "guid-unique": ("error", "guids are unique in the feed"),
    "guid-permalink": ("warning", 'guids that are not URLs say isPermaLink="false"'),
    "guid-stable": ("error", "an item keeps its guid from one check to the next"),
    "pubdate-missing": ("warning", "every item has a pubDate"),
    "numbers": ("error", "episode and season numbers are positive integers"),
    "serial-number": ("error", "every full episode of a serial show has an episode number"),
    "episode-type": ("error", "itunes:episodeType is full, trailer or bonus"),
    "transcript": ("error", "podcast:transcript has a known type and a published file"),
    "chapters-tag": ("error", "podcast:chapters has the JSON chapters type and a URL"),
    "chapters-file": ("error", "chapters files are JSON chapters, ascending, the first at 0"),
    "chapters-count": ("warning", "episodes with chapters have at least three"),
    "person": ("error", "podcast:person has a name of at most 128 characters"),
    "person-hosts": ("warning", "items that list guests repeat the hosts"),
    "item-description": ("warning", "every item has a description"),
    "item-link": ("warning", "every item links to its page"),
    "soundbite": ("warning", "soundbites last 15–120 seconds"),
    "psc-chapters": ("error", "psc:chapter starts are normal play time, ascending"),
}

DESCRIPTION_LIMIT = 4000  # bytes
NAME_LIMIT = 128  # characters: podcast:funding label, podcast:person name
DURATION_TOLERANCE = 2.0  # seconds between itunes:duration and the file
ENCLOSURE_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/x-m4a"}
TRANSCRIPT_TYPES = {
    "text/vtt",
    "application/x-subrip",
    "application/srt",
    "text/srt",
    "application/json",
    "text/html",
    "text/plain",
}
MEDIUMS = {
    "podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher",
    "course", "mixed", "podcastL", "musicL", "videoL", "filmL", "audiobookL", "newsletterL",
    "blogL", "publisherL", "courseL",
}  # fmt: skip

# Apple Podcasts categories and subcategories (podcasters.apple.com/support/1691), exact case.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
        "Home & Garden", "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
        "Sports News", "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality",
    ),
    "Science": (
        "Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
        "Natural Sciences", "Nature", "Physics", "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships",
    ),
    "Sports": (
        "Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
        "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}  # fmt: skip

# ISO 639-1 language codes (the primary subtag of an RSS <language>).
ISO_639_1 = frozenset(
    {
        "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg",
        "bh", "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv",
        "cy", "da", "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi",
        "fj", "fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr",
        "ht", "hu", "hy", "hz", "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja",
        "jv", "ka", "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw",
        "ky", "la", "lb", "lg", "li", "ln", "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml",
        "mn", "mr", "ms", "mt", "my", "na", "nb", "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv",
        "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps", "pt", "qu", "rm", "rn", "ro",
        "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr",
        "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr",
        "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi",
        "yo", "za", "zh", "zu",
    }
)  # fmt: skip
