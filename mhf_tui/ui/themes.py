"""The app's themes, every one keeping text at WCAG AA (4.5:1) on its backgrounds, also on
a 256-colour terminal: Textual's dark and light themes with muted, disabled, error, warning
and primary text made legible, and a high-contrast theme. Registered under the built-in
names, so a `theme = "textual-dark"` setting gets the legible version.
`tests/functional/test_ui_contrast.py` measures the rendered screens."""

from __future__ import annotations

from dataclasses import replace

from textual.theme import BUILTIN_THEMES, Theme

_DARK_TEXT = {
    "text-muted": "#b4b4b4",
    "text-disabled": "#a8a8a8",
    "text-error": "#ff8f8f",
    "text-warning": "#ffc266",
    "text-success": "#7fd99a",
    "text-primary": "#7cc4ff",
    "footer-key-foreground": "#ffb454",
    "block-cursor-background": "#005f87",
    "block-cursor-foreground": "#ffffff",
}
_LIGHT_TEXT = {
    "text-muted": "#4a4a4a",
    "text-disabled": "#505050",
    "text-error": "#8f1d1d",
    "text-warning": "#6b4200",
    "text-success": "#1d5e2f",
    "text-primary": "#004578",
    "footer-key-foreground": "#002b4a",
    "block-cursor-background": "#004578",
    "block-cursor-foreground": "#ffffff",
}

HIGH_CONTRAST = Theme(
    name="mhf-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#00FFFF",
    warning="#FFAF00",
    error="#FF5F5F",
    success="#5FFF5F",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1C1C1C",
    dark=True,
    variables={
        "border": "#FFFFFF",
        "footer-key-foreground": "#FFFF00",
        "input-selection-background": "#FFFF00 50%",
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "text-muted": "#d0d0d0",
        "text-disabled": "#c0c0c0",
        "text-error": "#FF8787",
        "text-warning": "#FFAF00",
        "text-success": "#5FFF5F",
        "text-primary": "#FFFF00",
    },
)


def _legible(name: str, text: dict[str, str]) -> Theme:
    theme = BUILTIN_THEMES[name]
    return replace(theme, variables={**theme.variables, **text})


def themes() -> list[Theme]:
    return [
        _legible("textual-dark", _DARK_TEXT),
        _legible("textual-light", _LIGHT_TEXT),
        HIGH_CONTRAST,
    ]
