"""``python -m targets.gradio``: the bundled Gradio app in the foreground (see bundled.py)."""

import sys

from targets.gradio.bundled import main

sys.exit(main())
