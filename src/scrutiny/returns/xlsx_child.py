"""The child process that parses one sheet of a workbook (see scrutiny.returns.xlsx).

    python -m scrutiny.returns.xlsx_child WORKBOOK OUT SHEET_INDEX MAX_ROWS MEMORY SECONDS

Limits its own memory (address space) to MEMORY bytes and its processor time to SECONDS,
then writes the sheet's cells as text to OUT (Arrow IPC) and prints the cells holding a
spreadsheet error as JSON [[row, column header, detail], ...]. A workbook the parser
rejects exits 3 with the reason on the last line; running out of memory or time kills
the child, never the service.
"""

from __future__ import annotations

import json
import resource
import sys


def main(arguments: list[str]) -> int:
    workbook, out, index, max_rows, memory, seconds = arguments
    # Imported before the memory limit: the imports themselves are not the risk.
    import fastexcel
    import polars as pl
    import pyarrow  # noqa: F401  (fastexcel hands the sheet over through it)

    resource.setrlimit(resource.RLIMIT_AS, (int(memory), int(memory)))
    resource.setrlimit(resource.RLIMIT_CPU, (int(seconds), int(seconds)))
    try:
        with open(workbook, "rb") as stream:
            reader = fastexcel.read_excel(stream.read())
        sheet = reader.load_sheet(int(index), dtypes="string", n_rows=int(max_rows) + 1)
        batch, errors = sheet.to_arrow_with_errors()
        frame = pl.DataFrame(pl.from_arrow(batch))
    except MemoryError:
        return 4
    except Exception as error:  # fastexcel raises its own error types for damaged files
        print(str(error).splitlines()[0] if str(error) else type(error).__name__)
        return 3
    frame.write_ipc(out)
    found = [
        [error.position[0] + 1, frame.columns[error.offset_position[1]], error.detail]
        for error in (errors.errors if errors is not None else [])
    ]
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
