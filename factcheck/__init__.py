"""Reasoning over evidence: settings, the CLI, answers, claim verdicts and evaluation."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("factcheck")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"
