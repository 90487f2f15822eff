"""``python -m tinynet.widgets --pictures DIR``: photograph the three widgets (see tinynet.widget_pictures)."""

import sys

from ..widget_pictures import main

sys.exit(main())
