"""WCAG contrast of what the screen actually renders: the compositor's strips, through the
app's own line filters (NO_COLOR's monochrome), each text segment's foreground against its
background; `dim` counted as half-way to the background (as Textual's dim filter and most
terminals draw it); `reverse` swaps. Checked in truecolor and as a 256-colour terminal
shows it (the colours downsampled to the xterm palette)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.color import Color as RichColor
from rich.color import ColorSystem
from textual.color import Color

AA = 4.5


def _channel(c: float) -> float:
    c = c / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = (_channel(x) for x in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _rgb(color: RichColor | None, default: tuple[int, int, int], depth: str) -> tuple[int, ...]:
    if color is None or color.is_default:
        return default
    if depth == "256":
        color = color.downgrade(ColorSystem.EIGHT_BIT)
    triplet = color.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


@dataclass(frozen=True)
class Low:
    text: str
    ratio: float
    fg: tuple[int, ...]
    bg: tuple[int, ...]
    depth: str


def low_contrast(app: Any, *, depth: str = "truecolor") -> list[Low]:
    """Every run of text on screen below AA (4.5:1)."""
    dark = app.current_theme.dark
    default_fg = (255, 255, 255) if dark else (0, 0, 0)
    default_bg = (0, 0, 0) if dark else (255, 255, 255)
    background = Color.parse(app.current_theme.background or "black")
    found: list[Low] = []
    for strip in app.screen._compositor.render_strips():
        for line_filter in app.get_line_filters():
            strip = strip.apply_filter(line_filter, background)
        for segment in strip:
            text, style = segment.text, segment.style
            if style is None or not any(ch.isalnum() for ch in text):
                continue
            fg = _rgb(style.color, default_fg, depth)
            bg = _rgb(style.bgcolor, default_bg, depth)
            if style.reverse:
                fg, bg = bg, fg
            if style.dim:
                fg = tuple(round((f + b) / 2) for f, b in zip(fg, bg, strict=True))
            value = ratio(fg, bg)  # type: ignore[arg-type]
            if value < AA:
                found.append(Low(text.strip(), round(value, 2), fg, bg, depth))
    return found
