"""`python -m mhf_tui` runs the same entry point as the `mhf` command."""

from mhf_tui.cli.main import main

raise SystemExit(main())
