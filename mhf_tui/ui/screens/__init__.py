"""Screens of the app. Service modules are imported inside functions so that importing a
screen stays light (the lock screen must appear fast)."""
