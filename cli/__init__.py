"""The `newsflow` command line: the top layer, imported by nobody."""
