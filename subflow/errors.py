"""The one exception type stages raise for expected failures."""


class StageError(Exception):
    """An expected failure (bad input, missing model) whose message is the whole story: the console
    gets this one line, the stage log the traceback, the manifest a ``failed`` stage."""
