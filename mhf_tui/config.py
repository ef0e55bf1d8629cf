"""Settings from `config.toml` in the data dir (no secrets, no patient data)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from mhf_tui.errors import MhfError
from mhf_tui.paths import write_private

THEMES = ("textual-dark", "textual-light", "mhf-high-contrast")


@dataclass
class Settings:
    auto_lock_minutes: float = 5.0
    theme: str = "textual-dark"
    facilitator_name: str = ""
    #: binding id -> key(s), e.g. {"quick_note": "ctrl+n"}; lets users remap keys
    keys: dict[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        if not 0 < self.auto_lock_minutes <= 240:
            raise MhfError(
                "auto_lock_minutes must be more than 0 and at most 240 minutes "
                "(auto-lock cannot be turned off: the caseload is patient data)"
            )
        if self.theme not in THEMES:
            raise MhfError(f"unknown theme {self.theme!r}; choose one of {', '.join(THEMES)}")


def load_settings(path: Path) -> Settings:
    if not path.exists():
        return Settings()
    import tomllib  # lazily: off the cold-start path when there is no config file

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MhfError(f"{path.name} is not valid TOML: {exc}") from None
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise MhfError(f"{path.name}: unknown setting(s): {', '.join(unknown)}")
    try:
        settings = Settings(**raw)
    except TypeError as exc:
        raise MhfError(f"{path.name}: {exc}") from None
    settings.auto_lock_minutes = float(settings.auto_lock_minutes)
    settings.keys = {str(k): str(v) for k, v in dict(settings.keys).items()}
    settings.validate()
    return settings


def save_settings(path: Path, settings: Settings) -> None:
    """Written with tomli_w, so any text (quotes, control characters) loads back as typed."""
    import tomli_w  # lazily: only a settings change writes the file

    settings.validate()
    document = {
        "auto_lock_minutes": settings.auto_lock_minutes,
        "theme": settings.theme,
        "facilitator_name": settings.facilitator_name,
        "keys": dict(sorted(settings.keys.items())),
    }
    write_private(path, tomli_w.dumps(document).encode())
