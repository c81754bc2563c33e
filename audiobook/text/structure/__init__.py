"""The structure of a decoded text: title, author, summary, chapters, paragraphs, scene breaks, front matter."""

from .lexer import Lexer, Shape, ShapeScan, TextSource, Unit, is_plain, shape_of
from .lines import display_case, heading_number, is_scene_break
from .outline import (
    NEVER_READ,
    ChapterPlan,
    Outline,
    SectionFilter,
    give_sections,
    lay_out_chapter,
    lay_out_pieces,
    layout,
    outline,
    read_everything,
    read_inside,
)

__all__ = [
    "NEVER_READ", "ChapterPlan", "Lexer", "Outline", "SectionFilter", "Shape", "ShapeScan", "TextSource", "Unit",
    "display_case", "give_sections", "heading_number", "is_plain", "is_scene_break", "lay_out_chapter",
    "lay_out_pieces", "layout", "outline", "read_everything", "read_inside", "shape_of",
]
