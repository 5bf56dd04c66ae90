"""The project's settings with one change a benchmark evaluates before anyone makes it.

Used only by ``bench/open_link.py --session-engine ENGINE``, to measure a proposed
fix on the same server in the same run. Never used by the project itself.
"""

import os

from project.settings import *  # noqa: F403

SESSION_ENGINE = os.environ["BENCH_SESSION_ENGINE"]
