"""A stable network's model-file header: one line ``stablenet <kind> key=value ...``, written and read back.

A part of [`tinynet.stable.StableNet`][tinynet.stable_net.StableNet] (a base class of it). Every value
read is checked against its list or range ([`tinynet.header`][tinynet.header]), and the
parameter count against the numbers the file holds before anything is allocated.
"""

from .activations import ACTIVATIONS
from .header import HeaderError, header_choice, header_float, header_int


class HeaderLine:
    """``header()`` and ``from_header(...)`` of the stable networks (see [tinynet.base][] for the contract)."""

    def header(self):
        """One line: ``stablenet <kind> inputs=.. classes=.. width=.. layers=.. h=.. activation=..
        gamma=.. alpha_f=.. alpha_c=.. opening=0|1`` (numbers as ``repr`` writes them: exact)."""
        args = self.spec()[1]
        args["opening"] = int(args["opening"])
        return [
            f"stablenet {self.kind} "
            + " ".join(
                f"{key}={args[key]!r}" if isinstance(args[key], float) else f"{key}={args[key]}"
                for key in HEADER_FIELDS
            )
        ]

    @classmethod
    def from_header(cls, fields, cost, dtype, budget):
        """The network of one ``stablenet <kind> key=value ...`` line (see ``header``).

        Whichever class it is called on, the line's ``<kind>`` decides the
        architecture. Every value is checked against its list or range, the
        parameter count against ``budget`` before anything is allocated.
        """
        from .stable_schemes import ARCHITECTURES  # here, not above: the schemes are subclasses of StableNet

        line, words = fields[0]
        if words[0] != "stablenet":
            raise HeaderError("expected a 'stablenet' line", line)
        if len(fields) > 1:
            raise HeaderError("expected one 'stablenet' line, then cost and dtype", fields[1][0])
        if len(words) < 2 or words[1] not in ARCHITECTURES:
            found = f", found {words[1][:40]!r}" if len(words) > 1 else ""
            raise HeaderError(f"expected one of {', '.join(ARCHITECTURES)} after 'stablenet'{found}", line)
        kind = words[1]
        texts = {}
        for word in words[2:]:
            key, _, text = word.partition("=")
            if key not in HEADER_FIELDS or key in texts:
                raise HeaderError(
                    f"unexpected or repeated argument {word[:40]!r}; expected each of {', '.join(HEADER_FIELDS)} once",
                    line,
                )
            texts[key] = text
        missing = [key for key in HEADER_FIELDS if key not in texts]
        if missing:
            raise HeaderError(f"missing {', '.join(missing)} in the stablenet line", line)
        args = {key: read(texts[key], key, line) for key, read in HEADER_FIELDS.items()}
        if args["width"] < args["inputs"] and not args["opening"]:
            raise HeaderError(
                f"width: expected at least the {args['inputs']} inputs (or opening=1), found {args['width']}", line
            )
        # the lines after the header: cost, then dtype
        if cost != "cross_entropy":
            raise HeaderError(f"a stable network's cost is cross_entropy, found {cost[:40]!r}", line + 1)
        header_choice(str(dtype), "dtype", line + 2, ["float64", "float32"])
        cls.check_budget(
            param_count(args["inputs"], args["classes"], args["width"], args["layers"], args["opening"]), budget, line
        )
        return ARCHITECTURES[kind](**args, seed=0, dtype=dtype)


def param_count(inputs, classes, width, layers, opening):
    """The parameter count: N n (n + 1) for the layers, k (n + 1) for the classifier, n (inputs + 1) for an opening."""
    return layers * width * (width + 1) + classes * (width + 1) + (width * (inputs + 1) if opening else 0)


def _positive_step(text, name, line):
    """h: a finite number > 0 (and at most 1000)."""
    value = header_float(text, name, line, 0.0, 1e3)
    if value == 0:
        raise HeaderError(f"{name}: expected a number > 0, found {text[:40]!r}", line)
    return value


# The header's fields, in the order they are written, and how each is read back.
HEADER_FIELDS = {
    "inputs": lambda text, name, line: header_int(text, name, line, 1, 1_000_000),
    "classes": lambda text, name, line: header_int(text, name, line, 1, 1_000_000),
    "width": lambda text, name, line: header_int(text, name, line, 1, 1_000_000),
    "layers": lambda text, name, line: header_int(text, name, line, 1, 10_000),
    "h": _positive_step,
    "activation": lambda text, name, line: header_choice(text, name, line, list(ACTIVATIONS)),
    "gamma": lambda text, name, line: header_float(text, name, line, 0.0, 1e6),
    "alpha_f": lambda text, name, line: header_float(text, name, line, 0.0, 1e6),
    "alpha_c": lambda text, name, line: header_float(text, name, line, 0.0, 1e6),
    "opening": lambda text, name, line: header_choice(text, name, line, ["0", "1"]) == "1",
}
