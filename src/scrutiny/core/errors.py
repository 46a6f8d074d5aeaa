"""One family of errors, so the web and the command line answer each kind in one place.

Every error scrutiny raises on purpose is a ScrutinyError, and one of these kinds:

- NotFound: the thing asked for does not exist (the web answers 404);
- Invalid: the request or file cannot be used as it is (400; the command line exits 2);
- Refused: it could be done, but not by this person or with this token (403);
- Conflict: it would change what is stored in a way its sender has not confirmed, such as
  replacing a stored return (409);
- Unavailable: the store cannot take it now, such as when its disk is full (503).

Older error classes keep their old base too (PeerError is Invalid and a ValueError), so an
`except ValueError` written before this family existed still catches them.
"""

from __future__ import annotations


class ScrutinyError(Exception):
    """An error scrutiny raised on purpose, with a message a person can act on."""


class NotFound(ScrutinyError):
    """The council, report or record asked for does not exist."""


class Invalid(ScrutinyError):
    """The request, file or value cannot be used as it is."""


class Refused(ScrutinyError):
    """Allowed to nobody in this position: another council's rows, or the wrong role."""


class Conflict(ScrutinyError):
    """It would replace what is stored, and its sender has not said to replace it."""


class Unavailable(ScrutinyError):
    """The store cannot take a change now (its disk is full); nothing was changed."""
