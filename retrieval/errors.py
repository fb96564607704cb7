"""One error type per failure a person can meet; each message says what to do."""


class FactcheckError(Exception):
    """Base of every error the project raises on purpose. The CLI prints it and exits 1."""


class RefusedInput(FactcheckError):
    """A file, URL or text that cannot become an article (empty, unreadable, too big, hostile)."""


class ModelFileError(FactcheckError):
    """A model file is missing or does not match its checksum."""


class StoreError(FactcheckError):
    """The store cannot be opened or reached (bad data directory, Chroma server down)."""


class NotFound(FactcheckError):
    """An article id that is not in the corpus."""


class ModelError(FactcheckError):
    """The language model cannot be reached, refuses the key, times out or replies nonsense."""
