"""What personal data looks like in text that should carry none.

The standard carries no names, email addresses, phone numbers or postcodes. The validator
warns when a free-text cell or a column heading looks like one, and the annual report
leaves such text out of its examples. The patterns are in the regex dialect polars speaks
(inline flags anywhere), so both use them as they are.
"""

from __future__ import annotations

import re

EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
PHONE = r"(?:^|[^\d])(?:\+44\s?|0)\d(?:[\s\-]?\d){8,9}(?:$|[^\d])"
POSTCODE = r"(?i)\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"
TITLED_NAME = r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z]+"
# Each kind with the words a warning uses for it; a cell is checked for every kind, so a
# line with an email address and a phone number is warned about both.
PERSONAL_DATA_KINDS = (
    (EMAIL, "an email address"),
    (PHONE, "a phone number"),
    (POSTCODE, "a postcode"),
    (TITLED_NAME, "a person's name"),
)
PERSONAL_DATA = tuple(pattern for pattern, _ in PERSONAL_DATA_KINDS)
# Any of them: text that matches this is left out or warned about.
ANY_PERSONAL_DATA = "|".join(f"(?:{pattern})" for pattern in PERSONAL_DATA)
# A column heading that names personal data ("Customer name", "Email", "DOB").
PERSONAL_HEADER = r"(?i)name|address|e-?mail|phone|mobile|postcode|birth|\bdob\b"


def personal_data_kinds(text: str) -> list[str]:
    """The kinds of personal data TEXT looks like it holds ("an email address", ...), in
    the order PERSONAL_DATA_KINDS lists them: what the validator warns about in a cell,
    for free text typed into a form."""
    # Each pattern on its own: a flag like POSTCODE's (?i) must open the pattern in re.
    return [kind for pattern, kind in PERSONAL_DATA_KINDS if re.search(pattern, text)]
