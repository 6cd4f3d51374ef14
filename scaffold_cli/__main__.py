"""`python -m scaffold_cli` runs plugin-scaffold."""

from scaffold_cli.app import main

main()
