"""Set the sustained-change signals' CUSUM limits again by simulation, and freeze them.

    python -m scrutiny.warning.cusum_limits

Rewrites scrutiny/warning/signals/cusum_limits.json with the thresholds, the date, the
seed and the number of simulations (scrutiny.warning.signals.cusums says how they are
used). The same seed gives the same thresholds, so the file changes only when the
settings in cusums.py do.
"""

from __future__ import annotations

import json
import sys

from scrutiny.warning.signals.cusums import CALIBRATION, simulate_limits

if __name__ == "__main__":
    CALIBRATION.write_text(json.dumps(simulate_limits(), indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {CALIBRATION}\n")
