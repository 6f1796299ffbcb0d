"""``python -m targets.chainlit``: the bundled Chainlit app in the foreground (see bundled.py)."""

import sys

from targets.chainlit.bundled import main

sys.exit(main())
