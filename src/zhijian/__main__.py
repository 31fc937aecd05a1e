"""``python -m zhijian`` is the ``zhijian`` command."""

from __future__ import annotations

import sys

from zhijian.cli import main

sys.exit(main())
