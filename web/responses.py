"""Responses that carry files and drawings, shared by the cadres' and the public pages: each with the
headers that keep what it carries from running in the reader's browser."""
from __future__ import annotations

from collections.abc import Sequence

from flask import Response, abort, send_file

from web.runtime import Runtime
from web.uploads import download_type
from workflow.documents.views import StepView


def send_attachment(rt: Runtime, history: Sequence[StepView], seq: int, index: int) -> Response:
    """The `index`-th file of step `seq`, as a download sandboxed from the page; 404 if there is none."""
    step = next((h for h in history if h.seq == seq), None)
    if step is None or not 0 <= index < len(step.attachments):
        abort(404)
    item = step.attachments[index]
    path = rt.blobs.path(item.sha256)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=download_type(item.media_type), as_attachment=True,
                         download_name=item.filename, conditional=True, etag=item.sha256)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def svg_response(svg: str, private: bool) -> Response:
    """SVG drawn by Graphviz from the definitions; served with a policy that lets nothing in it run."""
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = f"{'private' if private else 'public'}, max-age=300"
    return response
