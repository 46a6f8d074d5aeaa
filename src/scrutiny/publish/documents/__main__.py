"""Render the published documents from the repository's docs/ folder (make standard)."""

import sys
from pathlib import Path

from scrutiny.publish.documents import write_pages

for written in write_pages(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")):
    print(f"wrote {written}")
