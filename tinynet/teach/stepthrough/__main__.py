"""``python -m tinynet.teach.stepthrough [FOLDER]``: write the step-through's files (docs/generated/stepthrough)."""

import sys

from tinynet.teach.stepthrough.write import write_all

for p in write_all(sys.argv[1] if len(sys.argv) > 1 else "docs/generated/stepthrough"):
    print(p)
