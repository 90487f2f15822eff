"""Reading a model file's header: every value from a closed list or a range, every mistake naming its line.

Each kind's header reader ([`tinynet.files.kinds`][tinynet.files.kinds]) reads the words of
its header lines with these; a value outside its list or range is a
[`HeaderError`][tinynet.files.header.HeaderError], which [`tinynet.files.format`][tinynet.files.format]
reports with the file's name and the line.
"""


class HeaderError(ValueError):
    """A text-format header that does not describe a network; ``line`` is where (1-based)."""

    def __init__(self, message, line):
        super().__init__(message)
        self.line = line


def header_int(text, name, line, low=1, high=1_000_000):
    """An integer header field in [low, high], or a HeaderError naming it."""
    if not (text.isdigit() or (text[:1] == "-" and text[1:].isdigit())) or len(text) > 12:
        raise HeaderError(f"{name}: expected an integer from {low} to {high}, found {text[:40]!r}", line)
    value = int(text)
    if not low <= value <= high:
        raise HeaderError(f"{name}: expected an integer from {low} to {high}, found {value}", line)
    return value


def header_float(text, name, line, low=0.0, high=1e6):
    """A finite number in [low, high], or a HeaderError naming it."""
    try:
        value = float(text) if len(text) <= 40 else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise HeaderError(f"{name}: expected a number from {low:g} to {high:g}, found {text[:40]!r}", line)
    return value


def header_choice(text, name, line, choices):
    """One word of a closed list, or a HeaderError naming the field."""
    if text not in choices:
        raise HeaderError(f"{name}: expected one of {', '.join(choices)}, found {text[:40]!r}", line)
    return text


def check_budget(count, budget, line):
    """Refuse a header whose ``count`` parameters the file cannot hold (before allocating them)."""
    if count > budget:
        raise HeaderError(
            f"the header describes {count:,} parameters, but the file holds at most {budget:,} numbers", line
        )
