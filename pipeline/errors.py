"""One exception type for every user-facing failure, so the CLI can print it cleanly and exit non-zero."""


class PipelineError(Exception):
    """Bad input, missing artifact or failed external service; the message names the file and the problem."""

    exit_code = 2


class MissingArtifactError(PipelineError):
    """A stage needs an artifact that an earlier stage makes; the message names that stage."""

    exit_code = 3


class DamagedArtifactError(PipelineError):
    """An artifact's files differ from what was sealed (truncated, changed, missing); it is never used."""

    exit_code = 4
