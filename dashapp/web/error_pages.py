"""Error pages people can read: HTML for browsers, JSON for API clients and Dash's own requests.

These pages stand alone (no Dash, no script, an inline stylesheet that follows the system colour
mode) because they are shown exactly when the app cannot be: no identity, a schema being
upgraded, a server error.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request, Response, g, jsonify, make_response, render_template_string

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · dashapp</title>
<style>
  :root { color-scheme: light dark; --bg: #f8f9fa; --card: #fff; --text: #212529;
          --muted: #495057; --accent: #0b5ed7; --border: #dee2e6; }
  @media (prefers-color-scheme: dark) {
    :root { --bg: #212529; --card: #2b3035; --text: #f8f9fa; --muted: #ced4da;
            --accent: #8bb9fe; --border: #495057; }
  }
  body { margin: 0; padding: 0 1rem; font-family: system-ui, -apple-system, "Segoe UI", Roboto,
         sans-serif;
         background: var(--bg); color: var(--text); line-height: 1.5; }
  main { max-width: 36rem; margin: 10vh auto; padding: 2rem; background: var(--card);
         border: 1px solid var(--border); border-radius: .75rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .75rem; }
  .code { color: var(--muted); font-size: .9rem; margin: 0 0 .25rem; }
  p { margin: 0 0 1rem; }
  a { color: var(--accent); }
  a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
  .actions a { display: inline-block; margin-right: 1rem; font-weight: 600; }
  .reference { color: var(--muted); font-size: .875rem; }
  code { font-size: .9em; overflow-wrap: anywhere; }
</style>
</head>
<body>
<main id="error-page" data-status="{{ status }}">
  <p class="code">Error {{ status }}</p>
  <h1>{{ title }}</h1>
  {% for paragraph in paragraphs %}<p>{{ paragraph }}</p>{% endfor %}
  {% if links %}<p class="actions">{% for label, href in links %}
    <a href="{{ href }}">{{ label }}</a>{% endfor %}</p>{% endif %}
  {% if request_id %}<p class="reference">Request id: <code id="request-id">{{ request_id }}</code>
    (give it to your administrator).</p>{% endif %}
</main>
</body>
</html>
"""


@dataclass(frozen=True)
class ErrorPage:
    """What a person needs to read: a title, some sentences, ways on."""

    status: int
    title: str
    paragraphs: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = (("Go to the dashboard", "/"),)


def wants_html(request: Request) -> bool:
    """True for a browser loading a page; False for API clients and Dash's fetch calls."""
    if request.method != "GET" or request.path.startswith(("/_dash-", "/api/")):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


def render(page: ErrorPage) -> Response:
    """The page as an HTML response with its status and the request id."""
    body = render_template_string(
        _PAGE,
        status=page.status,
        title=page.title,
        paragraphs=page.paragraphs,
        links=page.links,
        request_id=g.get("request_id", ""),
    )
    response = make_response(body, page.status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


def respond(request: Request, page: ErrorPage, api_message: str | None = None) -> Response:
    """HTML for a browser, `{"error": ...}` JSON for everything else; both with the status."""
    if wants_html(request):
        return render(page)
    response = jsonify(error=api_message or " ".join(page.paragraphs[:1]) or page.title)
    response.status_code = page.status
    return response


def sign_in_required(sign_in_url: str | None) -> ErrorPage:
    """401: how to sign in."""
    paragraphs = [
        "dashapp learns who you are from your company's single sign-on, and this request "
        "arrived without a signed-in identity.",
    ]
    if sign_in_url:
        links: tuple[tuple[str, str], ...] = (("Sign in", sign_in_url),)
    else:
        paragraphs.append(
            "Open dashapp through its sign-on address (the one your administrator gave you), "
            "not the server's own address, and sign in there."
        )
        links = ()
    return ErrorPage(401, "Please sign in", tuple(paragraphs), links)


def forbidden(role_needed: str | None) -> ErrorPage:
    """403: which role is needed."""
    first = (
        f"This needs the {role_needed} role, which your account does not have."
        if role_needed
        else "Your account is not allowed to do this."
    )
    return ErrorPage(
        403,
        "You don't have access",
        (first, "Ask an administrator to add you to the group that grants it."),
    )


def not_found() -> ErrorPage:
    """404 outside the Dash pages (files, artifacts, downloads)."""
    return ErrorPage(
        404, "Not found", ("There is nothing at this address. It may have been deleted or moved.",)
    )


def server_error(path: str) -> ErrorPage:
    """500: never a blank page, always the request id."""
    return ErrorPage(
        500,
        "Something went wrong on our side",
        ("The error has been logged. Try again; if it keeps happening, tell your administrator.",),
        (("Try again", path), ("Go to the dashboard", "/")),
    )


def schema_not_ready(description: str) -> ErrorPage:
    """503 while the shared database is not at the newest migration."""
    return ErrorPage(
        503,
        "dashapp is being upgraded",
        (
            "The database is not ready for this version of dashapp yet. Try again in a few "
            "minutes.",
            f"For the operator: {description}",
        ),
        (),
    )


def generic(status: int, description: str | None) -> ErrorPage:
    """Any other HTTP error, with the server's own description."""
    return ErrorPage(status, "That did not work", (description or "The request failed.",))
