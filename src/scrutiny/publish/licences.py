"""The licences scrutiny publishes under and the attribution statements they ask for, in
one place for the open data files and the reports."""

from __future__ import annotations

# The statement the Open Government Licence asks a reuser to include.
OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)
