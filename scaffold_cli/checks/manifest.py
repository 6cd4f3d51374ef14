"""Rules for the manifest, /.well-known/ai-plugin.json (see plugin-rules.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from scaffold_cli.checks import descriptions
from scaffold_cli.checks.findings import Report, Severity
from scaffold_cli.checks.sources import FolderSource, Source
from scaffold_cli.checks.urls import PLACEHOLDER, PluginUrl, host_of, is_local, resolve

STRING_FIELDS = (
    "schema_version",
    "name_for_human",
    "name_for_model",
    "description_for_human",
    "description_for_model",
    "logo_url",
    "contact_email",
    "legal_info_url",
)
OBJECT_FIELDS = ("auth", "api")
_NAME_FOR_MODEL = re.compile(r"[A-Za-z0-9_]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
AUTH_FIELDS = {
    "none": (),
    "service_http": ("authorization_type", "verification_tokens"),
    "user_http": ("authorization_type",),
    "oauth": (
        "client_url",
        "scope",
        "authorization_url",
        "authorization_content_type",
        "verification_tokens",
    ),
}
# The URLs ChatGPT itself fetches or sends the user to; they must be on the plugin's host.
URL_FIELDS = (("api", "url"), ("logo_url",), ("auth", "client_url"), ("auth", "authorization_url"))
LOGO_EXTENSIONS = (".png", ".jpg", ".jpeg")
# Adds a finding at a path of the manifest: (rule, severity, path, message, fix).
Add = Callable[[str, Severity, tuple[str, ...], str, str], None]


def field(manifest: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at `path`, or None where any step is missing or not an object."""
    value: Any = manifest
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def url_field(
    manifest: dict[str, Any], path: tuple[str, ...], base: str | None
) -> PluginUrl | None:
    value = field(manifest, path)
    return resolve(value, base) if isinstance(value, str) else None


def plugin_host(manifest: dict[str, Any], base: str | None) -> str | None:
    """host:port the plugin is served on: the target URL's, or an absolute api.url's."""
    if base is not None:
        return host_of(base)
    api = url_field(manifest, ("api", "url"), None)
    return api.host if api is not None and not api.own_host else None


def image_format(content: bytes) -> str:
    """The image format by the file's first bytes: png, jpeg, gif or unknown."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    return "unknown"


def check_manifest(source: Source, manifest: dict[str, Any], report: Report) -> None:
    doc = source.manifest

    def add(rule: str, severity: Severity, path: tuple[str, ...], message: str, fix: str) -> None:
        report.add(rule, severity, doc.where(*path), message, fix)

    for name in (*STRING_FIELDS, *OBJECT_FIELDS):
        kind = dict if name in OBJECT_FIELDS else str
        if name not in manifest:
            add("manifest.required", "error", (), f"the manifest has no {name}", f"add {name}")
        elif not isinstance(manifest[name], kind):
            wanted = "an object" if kind is dict else "a string"
            add("manifest.type", "error", (name,), f"{name} must be {wanted}", f"make it {wanted}")

    text = {name: manifest[name] for name in STRING_FIELDS if isinstance(manifest.get(name), str)}
    if "schema_version" in text and text["schema_version"] != "v1":
        add(
            "manifest.schema_version",
            "error",
            ("schema_version",),
            f'schema_version is "{text["schema_version"]}"; ChatGPT knows only "v1"',
            'set "schema_version": "v1"',
        )
    _check_names(text, add)
    _check_contact(text, add)
    _check_auth(manifest.get("auth"), add)
    _check_api(manifest.get("api"), add)
    _check_urls(source, manifest, add)
    _check_logo(source, manifest, add)
    if "description_for_model" in text:
        for lint, words in descriptions.lint(text["description_for_model"]):
            add(
                lint.rule,
                "warning",
                ("description_for_model",),
                f'description_for_model {lint.what}: "{words}"',
                lint.fix,
            )


def _check_names(text: dict[str, str], add: Add) -> None:
    name = text.get("name_for_model")
    if name is not None:
        if not _NAME_FOR_MODEL.fullmatch(name):
            add(
                "manifest.name_for_model.charset",
                "error",
                ("name_for_model",),
                f'name_for_model "{name}" may hold only letters, digits and _ (no spaces)',
                f'rename it, e.g. "{re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "plugin"}"',
            )
        if len(name) > 50:
            add(
                "manifest.name_for_model.length",
                "error",
                ("name_for_model",),
                f"name_for_model is {len(name)} characters; the limit is 50",
                "shorten it to 50 characters or fewer",
            )
    for key, hard, soft in (("name_for_human", 50, 20), ("description_for_human", 120, 100)):
        _check_length(text.get(key), key, hard, soft, add)
    description = text.get("description_for_model")
    if description is not None:
        _check_length(description, "description_for_model", 8000, None, add)
        if not description.lstrip().lower().startswith("plugin for"):
            add(
                "manifest.description_for_model.prefix",
                "hint",
                ("description_for_model",),
                'OpenAI suggests starting description_for_model with "Plugin for ..."',
                'start it with "Plugin for" and list what the API does',
            )


def _check_length(value: str | None, key: str, hard: int, soft: int | None, add: Add) -> None:
    if value is None:
        return
    if len(value) > hard:
        add(
            f"manifest.{key}.length",
            "error",
            (key,),
            f"{key} is {len(value)} characters; ChatGPT's limit is {hard}",
            f"shorten it to {soft or hard} characters or fewer",
        )
    elif soft is not None and len(value) > soft:
        add(
            f"manifest.{key}.length",
            "warning",
            (key,),
            f"{key} is {len(value)} characters; the later docs allow {soft} (earlier ones {hard})",
            f"shorten it to {soft} characters or fewer",
        )


def _check_contact(text: dict[str, str], add: Add) -> None:
    email = text.get("contact_email")
    if email is not None and not _EMAIL.fullmatch(email):
        add(
            "manifest.contact_email.format",
            "error",
            ("contact_email",),
            f'contact_email "{email}" is not an e-mail address',
            "give an address such as support@example.com",
        )
    legal = text.get("legal_info_url")
    legal_url = resolve(legal, None) if legal is not None else None
    if legal is not None and (legal_url is None or legal_url.own_host):
        add(
            "manifest.legal_info_url.format",
            "error",
            ("legal_info_url",),
            f'legal_info_url "{legal}" is not an http(s) URL',
            "give the full URL of your terms or privacy policy, e.g. https://example.com/legal",
        )


def _check_auth(auth: Any, add: Add) -> None:
    if not isinstance(auth, dict):
        return
    if "type" not in auth:
        add("manifest.required", "error", ("auth",), "auth has no type", 'add "type": "none"')
        return
    kind = auth["type"]
    if not isinstance(kind, str) or kind not in AUTH_FIELDS:
        add(
            "manifest.auth.type",
            "error",
            ("auth", "type"),
            f"auth.type {kind!r} is not one of {', '.join(AUTH_FIELDS)}",
            "use one of the four auth types",
        )
        return
    for name in AUTH_FIELDS[kind]:
        if name not in auth:
            add(
                "manifest.auth.fields",
                "error",
                ("auth",),
                f"auth of type {kind} needs {name}",
                f"add auth.{name} (required fields: {', '.join(AUTH_FIELDS[kind])})",
            )
    method = auth.get("authorization_type")
    if (
        "authorization_type" in AUTH_FIELDS[kind]
        and method is not None
        and (not isinstance(method, str) or method.lower() not in ("bearer", "basic"))
    ):
        add(
            "manifest.auth.authorization_type",
            "error",
            ("auth", "authorization_type"),
            f"auth.authorization_type {method!r} is neither bearer nor basic",
            'set "authorization_type": "bearer"',
        )
    tokens = auth.get("verification_tokens")
    if "verification_tokens" in auth and not isinstance(tokens, dict):
        add(
            "manifest.auth.fields",
            "error",
            ("auth", "verification_tokens"),
            "auth.verification_tokens must be an object",
            'write it as {"openai": "<token ChatGPT shows when you register the plugin>"}',
        )


def _check_api(api: Any, add: Add) -> None:
    if not isinstance(api, dict):
        return
    if api.get("type") != "openapi":
        add(
            "manifest.api.type",
            "error",
            ("api", "type") if "type" in api else ("api",),
            f"api.type is {api.get('type')!r}; ChatGPT reads only OpenAPI specs",
            'set "type": "openapi"',
        )
    if not isinstance(api.get("url"), str):
        add(
            "manifest.required",
            "error",
            ("api", "url") if "url" in api else ("api",),
            "api.url must name the OpenAPI spec",
            'set "url" to the spec\'s URL, e.g. "/openapi.yaml" on the plugin\'s own host',
        )
    # has_user_authentication is the spelling of OpenAI's first examples.
    key = next((k for k in ("is_user_authenticated", "has_user_authentication") if k in api), None)
    if key is None:
        add(
            "manifest.api.is_user_authenticated",
            "error",
            ("api",),
            "api has no is_user_authenticated",
            'add "is_user_authenticated": false (true when each user signs in)',
        )
    elif not isinstance(api[key], bool):
        add(
            "manifest.api.is_user_authenticated",
            "error",
            ("api", key),
            f"api.{key} is {api[key]!r}, not a JSON boolean",
            f"write {key} as true or false, without quotes",
        )


def _check_urls(source: Source, manifest: dict[str, Any], add: Add) -> None:
    base = source.base_url
    host = plugin_host(manifest, base)
    if base is not None and urlsplit(base).scheme == "http" and not is_local(base):
        add(
            "manifest.url.https",
            "error",
            (),
            f"the plugin is served over plain HTTP at {base}",
            "serve it over HTTPS (only localhost may use HTTP)",
        )
    for path in URL_FIELDS:
        value = field(manifest, path)
        if not isinstance(value, str):
            continue
        name = ".".join(path)
        url = resolve(value, base)
        if url is None:
            add(
                "manifest.url.format",
                "error",
                path,
                f'{name} "{value}" is neither an http(s) URL nor a path starting with /',
                "give a full URL on the plugin's host",
            )
            continue
        if url.own_host:
            if base is not None and value.startswith(PLACEHOLDER):
                add(
                    "manifest.url.placeholder",
                    "error",
                    path,
                    f"{name} still says {PLACEHOLDER} as served",
                    f"replace {PLACEHOLDER} with the request's scheme and host when serving",
                )
            elif base is not None:
                add(
                    "manifest.url.relative",
                    "warning",
                    path,
                    f'{name} "{value}" is relative in the served manifest',
                    "serve absolute URLs built from the request's host",
                )
            continue
        if url.scheme == "http" and not is_local(value):
            add(
                "manifest.url.https",
                "error",
                path,
                f"{name} {value} uses plain HTTP",
                "use https:// (only localhost may use HTTP)",
            )
        if url.host != host:
            # The manifest must live on the API's domain; other URLs only risk GPT Actions.
            add(
                "manifest.url.off_host",
                "error" if path == ("api", "url") else "warning",
                path,
                f"{name} {value} is not on the plugin's host"
                + (f" ({host})" if host else " (the manifest uses its own)"),
                "serve it from the host that serves the manifest",
            )
    if field(manifest, ("auth", "type")) not in (None, "none"):
        local = base if base is not None else field(manifest, ("api", "url"))
        if isinstance(local, str) and is_local(local):
            add(
                "manifest.auth.localhost",
                "warning",
                ("auth", "type"),
                f"ChatGPT accepted only auth none for a localhost plugin; this one is "
                f"{field(manifest, ('auth', 'type'))}",
                "test it on localhost with auth none, or deploy it to an HTTPS host",
            )


def _check_logo(source: Source, manifest: dict[str, Any], add: Add) -> None:
    if not isinstance(source, FolderSource):
        return  # a running plugin's logo is fetched and its bytes checked (live.py)
    url = url_field(manifest, ("logo_url",), None)
    if url is None:
        return
    suffix = PurePosixPath(url.path).suffix.lower()
    fix = "use a PNG or JPEG logo (512x512 suggested)"
    if suffix == ".gif":
        add("manifest.logo_url.format", "error", ("logo_url",), "the logo is a GIF", fix)
        return
    if suffix not in LOGO_EXTENSIONS:
        add(
            "manifest.logo_url.format",
            "warning",
            ("logo_url",),
            f"the logo {url.path} does not end in .png, .jpg or .jpeg",
            fix,
        )
        return
    file = source.locate(url.path) if url.own_host else None
    if file is not None:
        kind = image_format(file.read_bytes())
        if kind not in ("png", "jpeg"):
            add(
                "manifest.logo_url.format",
                "error",
                ("logo_url",),
                f"{file} is named {suffix} but holds {'a GIF' if kind == 'gif' else 'no PNG/JPEG'}",
                fix,
            )
