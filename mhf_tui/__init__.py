"""mhf: the encrypted, offline caseload for mental health facilitators."""

__version__ = "0.1.0"
