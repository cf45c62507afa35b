"""Show artwork: generated when site.toml names none, and the checks directories apply to it."""

from __future__ import annotations

import colorsys
import hashlib
import io
import re
import warnings
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 1400  # px, the smallest artwork Apple accepts
MIN_SIDE = 1400
MAX_SIDE = 3000
MARGIN = 140
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_FORMAT_SUFFIX = {"JPEG": ".jpg", "PNG": ".png"}
_ACCEPTED_MODES = {"RGB", "RGBA", "P"}  # RGB colour, with or without a palette or alpha


def _colours(title: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """A muted background picked from the title, so each show looks its own; white text."""
    hue = int(hashlib.sha256(title.encode("utf-8")).hexdigest()[:4], 16) / 0xFFFF
    r, g, b = colorsys.hls_to_rgb(hue, 0.32, 0.45)
    return (round(r * 255), round(g * 255), round(b * 255)), (255, 255, 255)


def _wrap(title: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    """Greedy line wrap on words; a word wider than a line is broken between characters."""
    lines: list[str] = []
    for word in title.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width:
            lines[-1] = candidate
            continue
        piece = ""
        for char in word:
            if piece and font.getlength(piece + char) > width:
                lines.append(piece)
                piece = ""
            piece += char
        lines.append(piece)
    return lines


def generated_artwork(title: str) -> bytes:
    """PNG bytes of square artwork, 1400 px: the show's title on a plain background.

    The same title always gives the same bytes, so a rebuild does not republish it.
    """
    title = " ".join(_CONTROL.sub("", title).split()) or "Podcast"
    background, ink = _colours(title)
    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    room = SIZE - 2 * MARGIN
    for size in range(180, 30, -10):
        font = ImageFont.load_default(size=size)
        lines = _wrap(title, font, room)
        line_height = round(size * 1.25)
        if len(lines) * line_height <= room:
            break
    top = (SIZE - len(lines) * line_height) // 2
    for index, line in enumerate(lines):
        y = top + index * line_height + line_height // 2
        draw.text((SIZE // 2, y), line, font=font, fill=ink, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def artwork_problems(path: Path) -> list[str]:
    """What podcast directories would reject about an artwork file; empty when it is fine.

    Each message names the file and says how to fix it: JPEG or PNG under the matching
    name (.jpg or .png), square, 1400–3000 px, RGB colour.
    """
    path = Path(path)
    if not path.is_file():
        return [f"{path}: the artwork file is missing; run `pipeline build` to publish it"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                fmt, mode, (width, height) = image.format, image.mode, image.size
                if width * height <= MAX_SIDE * MAX_SIDE:
                    image.load()  # a truncated file fails here
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return [
            f"{path}: cannot be read as an image ({exc}); export the artwork again as an RGB "
            f"JPEG or PNG, square, 1400–3000 px"
        ]
    problems = []
    stem, suffix = path.stem, path.suffix.lower()
    if fmt not in _FORMAT_SUFFIX:
        problems.append(
            f"{path}: is a {fmt} image; podcast directories accept only JPEG or PNG; export it "
            f"as {stem}.jpg or {stem}.png"
        )
    elif suffix not in (".jpg", ".png"):
        problems.append(
            f"{path}: is named {suffix or 'without an extension'}; artwork URLs must end in .jpg "
            f"or .png, so rename it to {stem}{_FORMAT_SUFFIX[fmt]}"
        )
    elif suffix != _FORMAT_SUFFIX[fmt]:
        problems.append(
            f"{path}: is a {fmt} file named {suffix}; rename it to {stem}{_FORMAT_SUFFIX[fmt]} "
            f"or export it again as {'JPEG' if suffix == '.jpg' else 'PNG'}"
        )
    if width != height:
        problems.append(f"{path}: is {width}×{height} px, not square; crop it to a square")
    if min(width, height) < MIN_SIDE:
        problems.append(
            f"{path}: is {width}×{height} px, too small; directories need {MIN_SIDE}–{MAX_SIDE} "
            f"px, so export it at 3000×3000 px from the original"
        )
    elif max(width, height) > MAX_SIDE:
        problems.append(
            f"{path}: is {width}×{height} px, too large; directories accept at most "
            f"{MAX_SIDE}×{MAX_SIDE} px, so scale it down to 3000×3000 px"
        )
    if mode == "CMYK":
        problems.append(
            f"{path}: is in CMYK colour, which Apple rejects; convert it to RGB (sRGB) and "
            f"export it again"
        )
    elif mode not in _ACCEPTED_MODES:
        problems.append(
            f"{path}: uses the {mode} colour mode, not RGB; convert it to RGB (sRGB) and export "
            f"it again"
        )
    return problems
