"""One module per stage of the stream (schemas/topics.py ``STAGES``), each adding its agent to the app."""
