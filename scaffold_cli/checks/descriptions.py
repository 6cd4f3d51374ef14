"""Lint text written for the model: the seed docs' bad examples, as patterns.

The model decides itself when a plugin fits; descriptions that tell it when to trigger, how to
sound, or to prefer this plugin are what OpenAI's guidance calls out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Lint:
    rule: str
    what: str  # what such text does, for the message
    fix: str
    patterns: tuple[re.Pattern[str], ...]


def _compile(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)


LINTS = (
    Lint(
        "description.trigger",
        "tells the model when to use the plugin",
        "describe what the plugin does and drop the instruction; ChatGPT decides when it fits",
        _compile(
            r"\b(use|call|invoke|trigger|activate)\s+(this|the|my|our)\s+(plugin|tool|api)\b"
            r"[^.]*\b(whenever|every\s*time|any\s*time|always)\b",
            r"\bwhenever\s+(the\s+)?users?\b",
            r"\bwhen\s+(the\s+)?users?\s+(mentions?|says?|talks?)\b",
            # About the plugin only: "always use UTC" or "must use ISO dates" is about data.
            r"\b(always|must\s+(always\s+)?)\s*(use|call|invoke|trigger)\s+"
            r"((this|the|our|my)\s+)?(plugin|tool|api|it)\b",
            r"\balways\s+(ask|suggest|offer)\b",
            r"\b(no\s+matter|regardless\s+of)\s+what\b",
            r"\bask\s+(the\s+user\s+|them\s+)?(if|whether)\s+(they|the\s+user)\s+"
            r"(would\s+like|wants?)\s+to\s+use\b",
        ),
    ),
    Lint(
        "description.tone",
        "tells the model how to sound or what to answer",
        "leave tone and wording to ChatGPT; return raw data and describe it",
        _compile(
            r"\bbe\s+(very\s+|always\s+)?(friendly|polite|enthusiastic|cheerful|funny|witty|"
            r"formal|casual|nice|kind|positive|upbeat|empathetic|professional)\b",
            r"\b(in|with|use|using|adopt)\s+an?\s+[\w\s,-]{0,40}?\btone\b",
            r"\btone\s+of\s+voice\b",
            # Imperative only: "the API will respond with JSON" describes the API.
            r"(^|[.!?;:,]\s*)(always\s+)?(respond|reply|answer)\s+(with|by\s+saying)\b",
            r"\balways\s+(respond|reply|answer|say|start|end)\b",
        ),
    ),
    Lint(
        "description.preference",
        "tells the model to prefer this plugin",
        "state what the plugin does; ChatGPT compares plugins itself",
        _compile(
            r"\bprefer\s+(this|the|our|my)\s+(plugin|tool|api)\b",
            r"\b(over|instead\s+of|rather\s+than)\s+(any\s+|all\s+)?(other|another)\s+"
            r"(plugins?|tools?|sources?)\b",
            r"\b(the\s+)?(best|only|top|number\s+one|#1)\s+(plugin|tool|choice)\b",
            r"\bdo\s*n[o']t\s+use\s+(any\s+)?(other|another)\s+(plugins?|tools?)\b",
        ),
    ),
)


def lint(text: str) -> Iterator[tuple[Lint, str]]:
    """Each lint that `text` breaks, with the words that break it (one finding per lint)."""
    for rule in LINTS:
        for pattern in rule.patterns:
            match = pattern.search(text)
            if match:
                yield rule, " ".join(match.group(0).split()).strip(".,;:!? ")
                break
