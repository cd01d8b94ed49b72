"""The image library's closed vocabularies, exactly as seed 004 names them, and the prompt.

The values are the seed's (a client written for it sends them unchanged); the labels are
what the image model reads. A value outside these sets is a 400 naming the allowed ones.
"""

from __future__ import annotations

from enum import StrEnum


class Resolution(StrEnum):
    SMALL = "256x256"
    MEDIUM = "512x512"
    LARGE = "1024x1024"


class Style(StrEnum):
    RENDER_3D = "3d_render"
    ABSTRACT = "abstract"
    ANIME = "anime"
    ART_DECO = "art_deco"
    CARTOON = "cartoon"
    DIGITAL_ART = "digital_art"
    ILLUSTRATION = "illustration"
    ORIGAMI = "origami"
    PIXEL_ART = "pixel_art"
    PHOTOGRAPHY = "photography"
    POP_ART = "pop_art"
    RETRO = "retro"
    SKETCH = "sketch"
    VAPORWAVE = "vaporwave"


class Medium(StrEnum):
    ACRYLIC = "acrylic"
    CANVAS = "canvas"
    CHALK = "chalk"
    CHARCOAL = "charcoal"
    CRAYON = "crayon"
    GLASS = "glass"
    INK = "ink"
    PASTEL = "pastel"
    PENCIL = "pencil"
    SPRAY_PAINT = "spray_paint"
    WATERCOLOR = "watercolor"


class SortBy(StrEnum):
    ID = "id"
    NAME = "name"


class SortOrder(StrEnum):
    DESC = "desc"
    ASC = "asc"


class SearchBy(StrEnum):
    NAME = "name"


#: The page sizes the seed offers, in its order; 10 is its default.
PER_PAGE_CHOICES = (10, 25, 50, 100)

_STYLE_WORDS = {
    Style.RENDER_3D: "a 3D render",
    Style.ABSTRACT: "abstract art",
    Style.ANIME: "anime",
    Style.ART_DECO: "Art Deco",
    Style.CARTOON: "a cartoon",
    Style.DIGITAL_ART: "digital art",
    Style.ILLUSTRATION: "an illustration",
    Style.ORIGAMI: "origami",
    Style.PIXEL_ART: "pixel art",
    Style.PHOTOGRAPHY: "a photograph",
    Style.POP_ART: "pop art",
    Style.RETRO: "retro style",
    Style.SKETCH: "a sketch",
    Style.VAPORWAVE: "vaporwave",
}
_MEDIUM_WORDS = {
    Medium.ACRYLIC: "acrylic paint",
    Medium.CANVAS: "oil on canvas",
    Medium.CHALK: "chalk",
    Medium.CHARCOAL: "charcoal",
    Medium.CRAYON: "crayon",
    Medium.GLASS: "stained glass",
    Medium.INK: "ink",
    Medium.PASTEL: "pastel",
    Medium.PENCIL: "pencil",
    Medium.SPRAY_PAINT: "spray paint",
    Medium.WATERCOLOR: "watercolor",
}


def build_prompt(description: str, style: Style | None, medium: Medium | None) -> str:
    """The description, then the style and the medium as plain words the model knows.

    Invariant: the description comes first and unchanged, so what the user wrote is always
    the subject; style and medium only qualify it.
    """
    parts = [description.strip().rstrip(".") + "."]
    if style is not None:
        parts.append(f"Style: {_STYLE_WORDS[style]}.")
    if medium is not None:
        parts.append(f"Medium: {_MEDIUM_WORDS[medium]}.")
    return " ".join(parts)
