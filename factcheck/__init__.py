"""Reasoning over evidence: settings, the CLI, answers, claim verdicts and evaluation."""
