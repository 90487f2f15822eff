"""The lines of a model file, read with a cursor: every mistake a ValueError naming the file and the line.

[`tinynet.files.format`][tinynet.files.format] reads a model file through [`Lines`][tinynet.files.lines.Lines]: the
next line, a line that must start with a keyword, a row of numbers that must
be finite, and what follows the last block. Each error says where it is and
what was expected.
"""

import math

import numpy as np


def shown(text, limit=40):
    """``text`` quoted for a message, cut to ``limit`` characters."""
    return repr(text[:limit] + "...") if len(text) > limit else repr(text)


class Lines:
    """The lines of a file with a cursor, for error messages that name the line."""

    def __init__(self, text, name):
        self.text, self.name, self.i = text, name, 0
        self.lines = text.split("\n")
        # a complete file ends with a newline: split gives a last empty item, which is no line
        self.terminated = self.lines[-1] == ""
        if self.terminated:
            self.lines.pop()

    def error(self, message, line=None):
        return ValueError(f"{self.name}, line {self.i if line is None else line}: {message}")

    def peek(self):
        while self.i < len(self.lines) and not self.lines[self.i].strip():
            self.i += 1
        if self.i >= len(self.lines):
            raise self.error("the file is empty; expected a model", line=self.i + 1)
        return self.lines[self.i].strip()

    def next(self, what):
        """The next line, stripped; a file that ends first says what was missing."""
        if self.i >= len(self.lines):
            raise self.error(f"the file ends early: truncated? expected {what}", line=self.i + 1)
        self.i += 1
        return self.lines[self.i - 1].strip()

    def keyword(self, key, what):
        line = self.next(what)
        words = line.split()
        if not words or words[0] != key:
            raise self.error(f"expected {what}, found {shown(line)}")
        return words

    def offset(self):
        """Where the next line starts in the text (cheap while the cursor is in the header)."""
        return sum(len(line) + 1 for line in self.lines[: self.i])

    def numbers_after(self, separators):
        """At most how many numbers the rest of the file holds: one more than its separators.

        Counted in the text itself, without splitting it: what a header reader
        compares a header's parameter count with before allocating anything.
        """
        start = self.offset()
        return 1 + sum(self.text.count(sep, start) for sep in separators)

    def numbers(self, words, out, what):
        """Parse ``words`` into ``out`` (a vector of len(words) numbers): finite numbers, or an error."""
        if len(words) != out.size:
            raise self.error(f"expected {out.size} numbers ({what}), found {len(words)}")
        try:
            values = [float(w) for w in words]
        except ValueError:
            values = None
        if values is None or any("_" in w for w in words):  # float() reads 1_000; a model file never holds it
            bad = next(w for w in words if "_" in w or not is_float(w))
            raise self.error(f"expected {out.size} numbers ({what}), found {shown(bad)}") from None
        with np.errstate(over="ignore"):
            out[...] = values  # float32: a number beyond its range becomes an infinity, refused next
        if not np.isfinite(out).all():
            bad = words[int(np.argmin(np.isfinite(out)))]
            beyond = " (too large for float32)" if math.isfinite(float(bad)) else ""
            raise self.error(f"{what} must be finite numbers, found {shown(bad)}{beyond}")

    def end_of_data(self):
        """After the last line read: only blank lines, and that last line ends with a newline."""
        last = self.i
        while self.i < len(self.lines):
            if self.lines[self.i].strip():
                raise self.error(
                    f"unexpected text after the last block: {shown(self.lines[self.i].strip())}", line=self.i + 1
                )
            self.i += 1
        if last == len(self.lines) and not self.terminated:
            raise self.error(
                "the file ends early: truncated? (its last line has no newline; a complete model file ends with one)",
                line=last,
            )


def is_float(word):
    try:
        float(word)
    except ValueError:
        return False
    return True
