"""newsflow: the application shell (settings, logging, the command line)."""
