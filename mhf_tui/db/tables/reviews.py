"""Tables for review checklists and outcome measures (none yet)."""
