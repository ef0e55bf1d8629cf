"""Tables for sync exports and the practice-side store (none yet)."""
