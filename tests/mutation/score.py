"""The mutation score per module, from the results of the last ``mutmut run``.

A mutant counts as caught when a test failed under it (killed) or it made the
tests run past mutmut's time limit (timeout); every other outcome (survived,
no tests, suspicious) counts against the score.

    .venv/bin/python -m tests.mutation.score
"""

import subprocess
import sys
from collections import Counter
from pathlib import Path

CAUGHT = {"killed", "timeout"}


def outcomes() -> list[tuple[str, str]]:
    """(module, outcome) for every mutant, as ``mutmut results --all true`` lists them."""
    mutmut = Path(sys.executable).with_name("mutmut")
    listed = subprocess.run(
        [mutmut, "results", "--all", "true"], capture_output=True, text=True, check=True
    ).stdout
    found = []
    for line in listed.splitlines():
        name, _, outcome = line.strip().rpartition(": ")
        if "__mutmut_" not in name:
            continue
        # accounts.validators.xǁClassǁmethod__mutmut_3 or invites.tokens.x_function__mutmut_1
        module = name.split(".x_")[0].split(".xǁ")[0]
        found.append((module, outcome))
    return found


def main() -> int:
    found = outcomes()
    if not found:
        print("No results: run `make mutation` (or `mutmut run`) first.")
        return 1
    total, caught = Counter(), Counter()
    for module, outcome in found:
        total[module] += 1
        caught[module] += outcome in CAUGHT
    total["overall"], caught["overall"] = sum(total.values()), sum(caught.values())
    for module in [*sorted(total.keys() - {"overall"}), "overall"]:
        share = 100 * caught[module] / total[module]
        print(f"{module:24} {caught[module]:4} of {total[module]:4}  {share:3.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
