"""``python -m tinynet.teach.widgets --pictures DIR``: photograph the three widgets (tinynet.teach.widgets.pictures)."""

import sys

from tinynet.teach.widgets.pictures import main

sys.exit(main())
