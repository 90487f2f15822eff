"""The lessons: runnable scripts that step through how tinynet learns (``tinynet lesson --list``)."""
