"""The Textual interface. Only this package imports textual; it talks to `mhf_tui.services`."""
