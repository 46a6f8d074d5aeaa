"""The child process that reads one workbook (see scrutiny.returns.xlsx.read_xlsx).

    python -m scrutiny.returns.xlsx_child WORKBOOK OUT SHEET MAX_ROWS MAX_BYTES MEMORY SECONDS

Limits its own memory (address space) to MEMORY bytes and its processor time to SECONDS,
then looks the workbook over, writes the chosen sheet's cells as text to OUT (Arrow IPC)
and prints the warnings about it as JSON. A workbook it refuses exits 3 with the reason
on the last line; running out of memory or time ends the child, never the service.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path


def main(arguments: list[str]) -> int:
    workbook, out, sheet, *numbers = arguments
    # Imported before the limits: the imports themselves are not the risk.
    import fastexcel  # noqa: F401
    import pyarrow  # noqa: F401  (fastexcel hands the sheet over through it)

    from scrutiny.returns.unreadable import FileUnreadable
    from scrutiny.returns.xlsx import UNREADABLE_EXIT, Limits, read_here

    limits = Limits(*(int(number) for number in numbers))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.seconds, limits.seconds))
    try:
        warnings = read_here(Path(workbook), Path(out), limits, sheet or None)
    except FileUnreadable as error:
        print(str(error).replace("\n", " "))
        return UNREADABLE_EXIT
    except MemoryError:
        return 4
    print(json.dumps(warnings))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
