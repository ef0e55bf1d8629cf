"""SQLModel tables, sessions and migrations. Never imports textual."""
