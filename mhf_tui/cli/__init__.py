"""The `mhf` command: thin argparse wrappers over the vault and services."""
