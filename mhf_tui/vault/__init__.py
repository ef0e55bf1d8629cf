"""Key management and the encrypted engine. Never imports textual."""
