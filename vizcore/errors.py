"""Errors that carry a sentence a person can act on.

Every failure caused by the user's input (a model name, a checkpoint, an image,
a dataset) is raised as one of these, with a message that says what went wrong
and what to do about it. The app shows the message as it is.
"""


class VizError(Exception):
    """Base class of vizcore's user-facing errors."""


class ModelError(VizError):
    """A model could not be loaded: unknown name, offline, bad checkpoint."""


class ImageError(VizError, ValueError):
    """An image could not be read: not an image, truncated, too large."""


class DataError(VizError, ValueError):
    """A dataset could not be read: empty folder, unsafe or oversized zip."""
