"""Files: the plain-text model format, safe saving, and the MNIST data files.

- [`tinynet.files.format`][tinynet.files.format]: ``save`` and ``load`` for every network kind;
- [`tinynet.files.kinds`][tinynet.files.kinds]: each kind's header lines, written and read back;
- [`tinynet.files.header`][tinynet.files.header], [`tinynet.files.lines`][tinynet.files.lines]: reading a header
  and the numbers, every mistake naming its line;
- [`tinynet.files.safe`][tinynet.files.safe]: atomic saving, bounded reading;
- [`tinynet.files.datasets`][tinynet.files.datasets] and [`tinynet.files.mnist`][tinynet.files.mnist]: where MNIST
  is looked for, downloaded to, and how its files are read.
"""
