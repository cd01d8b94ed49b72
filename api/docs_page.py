"""The OpenAPI document as one self-contained HTML page: no scripts, no fonts, no CDN.

Rendered from the same document `/openapi.json` serves, so the two cannot disagree. Every
piece of text is escaped: summaries and schemas come from code, but examples and patterns
may hold `<` or `&`.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

#: The page loads nothing and runs nothing; inline styles are its only resource.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
section { border-top: 1px solid #ccc; padding: .5rem 0; }
code.method { font-weight: bold; text-transform: uppercase; }
pre { background: #f4f4f4; padding: .5rem; overflow-x: auto; }
"""


def render_docs(document: dict[str, Any]) -> str:
    """The page: the security schemes, then each operation with its parameters and schemas."""
    info = document["info"]
    title = escape(f"{info['title']} {info['version']}")
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>",
        f"<style>{_STYLE}</style></head><body><h1>{title}</h1>",
        f"<p>{escape(info['description'])} The machine-readable document is ",
        "<a href='/openapi.json'>/openapi.json</a>.</p>",
        _security(document["components"]["securitySchemes"]),
    ]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
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
    if "parameters" in operation:
        body += _block("Parameters", operation["parameters"])
    if "requestBody" in operation:
        body += _block("Request body", operation["requestBody"]["content"])
    statuses = ", ".join(operation["responses"])
    return f"{body}<p>Answers: {escape(statuses)}</p></section>"


def _block(label: str, value: object) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return f"<details><summary>{escape(label)}</summary><pre>{escape(text)}</pre></details>"
