"""The `/docs` pages: Redoc over `/openapi.json` when its bundle is installed, else one
self-contained HTML page rendered here from the same document.

Redoc's page loads exactly two things, both from this service: its script
(`docs/assets/redoc.standalone.js`) and the document (`openapi.json`); both paths are
relative, so the page works behind a proxy that serves the API under a path prefix. Its
Content-Security-Policy allows nothing else (Redoc styles itself inline and runs its search
in a worker made from a blob; the Redocly logo its footer links from its own site is
refused, which costs the page nothing). The built-in page loads and runs nothing at all.
Every piece of text on it is escaped: summaries and schemas come from code, but examples
and patterns may hold `<` or `&`.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from api.docs_assets import RENDERER_SCRIPT

#: The built-in page loads and runs nothing; inline styles are its only resource.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
#: Redoc's page: scripts and data from this service only.
RENDERER_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:"
)

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
section { border-top: 1px solid #ccc; padding: .5rem 0; }
code.method { font-weight: bold; text-transform: uppercase; }
pre { background: #f4f4f4; padding: .5rem; overflow-x: auto; }
.intro { white-space: pre-wrap; }
"""


def render_redoc(title: str) -> str:
    """Redoc's page: its element names the document, its script renders it."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title></head><body>"
        "<redoc spec-url='openapi.json' expand-responses='200,201'></redoc>"
        f"<script src='docs/assets/{RENDERER_SCRIPT}'></script></body></html>"
    )


def render_docs(document: dict[str, Any]) -> str:
    """The built-in page: the introduction, the security schemes, then each tag's
    operations with their statuses, parameters, schemas and code samples."""
    info = document["info"]
    title = escape(f"{info['title']} {info['version']}")
    servers = "".join(f" <code>{escape(s['url'])}</code>" for s in document.get("servers", []))
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>",
        f"<style>{_STYLE}</style></head><body><h1>{title}</h1>",
        f"<p>Server:{servers}. The machine-readable document is ",
        "<a href='openapi.json'>openapi.json</a>.</p>",
        f"<div class='intro'>{escape(info['description'])}</div>",
        _security(document["components"]["securitySchemes"]),
    ]
    for tag in document["tags"]:
        parts.append(f"<h2>{escape(tag['name'])}</h2><p>{escape(tag['description'])}</p>")
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if operation["tags"] == [tag["name"]]:
                    parts.append(_operation(method, path, operation))
    parts.append(_block("Components", document["components"]["schemas"]))
    parts.append("</body></html>")
    return "".join(parts)


def _security(schemes: dict[str, Any]) -> str:
    items = "".join(
        f"<li><code>{escape(name)}</code>: {escape(_scheme_text(scheme))}</li>"
        for name, scheme in schemes.items()
    )
    return (
        "<h2>Authentication</h2><p>Any one of these carries your key; <code>username</code> "
        f"and <code>key</code> in the JSON body work too.</p><ul>{items}</ul>"
    )


def _scheme_text(scheme: dict[str, Any]) -> str:
    if scheme["type"] == "http":
        return "Authorization: Bearer <key>"
    if scheme["in"] == "query":
        return f"?{scheme['name']}=<key>"
    return f"{scheme['name']}: <key>"


def _operation(method: str, path: str, operation: dict[str, Any]) -> str:
    heading = f"<code class='method'>{escape(method)}</code> <code>{escape(path)}</code>"
    body = f"<section><h3>{heading}</h3><p>{escape(operation['summary'])}</p>"
    if not operation["security"]:
        body += "<p>No key needed.</p>"
    for sample in operation.get("x-codeSamples", []):
        body += f"<p>{escape(sample['label'])}</p><pre>{escape(sample['source'])}</pre>"
    if "parameters" in operation:
        body += _block("Parameters", operation["parameters"])
    if "requestBody" in operation:
        body += _block("Request body", operation["requestBody"]["content"])
    statuses = ", ".join(operation["responses"])
    return f"{body}<p>Answers: {escape(statuses)}</p></section>"


def _block(label: str, value: object) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return f"<details><summary>{escape(label)}</summary><pre>{escape(text)}</pre></details>"
