"""Prompt templates live in prompts/ as text files with {named} placeholders. An installed
package carries them as factcheck/_prompts/ (pyproject.toml maps prompts/ there); a checkout
reads prompts/ itself."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_INSTALLED = Path(__file__).resolve().parent / "_prompts"
PROMPTS = _INSTALLED if _INSTALLED.is_dir() else Path(__file__).resolve().parents[1] / "prompts"


@cache
def template(name: str) -> str:
    return (PROMPTS / f"{name}.txt").read_text(encoding="utf-8").strip()


def render(name: str, **values: str) -> str:
    # str.format substitutes values once: braces inside article text are not re-read as fields.
    return template(name).format(**values)


@cache
def examples(name: str) -> tuple[dict, ...]:
    """Chat turns from a file of "=== user" / "=== assistant" blocks; text before the first
    block says why the examples exist and is not sent."""
    turns = []
    for block in template(name).split("\n=== ")[1:]:
        role, _, content = block.partition("\n")
        turns.append({"role": role.strip(), "content": content.strip()})
    return tuple(turns)
