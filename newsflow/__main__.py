"""``python -m newsflow``: the command line."""

from newsflow.cli.main import main

main()
