"""Sync files to practices and the practice-side importer. Never imports textual."""
