"""English dates as every page writes them: "2026-12-07 01:45 UTC" (``accounts.dates.when``).

``T`` names the site's time zone, as ``when`` does.
"""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
TIME_FORMAT = "H:i"
