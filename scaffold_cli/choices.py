"""The choices of copier.yml's auth, framework and example questions, for --help.

tests/test_bundled.py checks they match the bundled copier.yml.
"""

from enum import Enum


class Auth(str, Enum):
    none = "none"
    service_http = "service_http"
    user_http = "user_http"
    oauth = "oauth"


class Framework(str, Enum):
    quart = "quart"
    fastapi = "fastapi"
    flask = "flask"


class Example(str, Enum):
    todo = "todo"
    sport_stats = "sport_stats"
    retrieval = "retrieval"
    blank = "blank"
