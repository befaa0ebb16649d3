"""The archive (档案检索): full-text search over every document and step this person may see, with
facets (village, power-list item, state, year), filters, highlighted snippets, and from each hit the
document, its attachments and its BagIt export.

A search is a GET, so a result page is a link a clerk can bookmark or send; the permission filter is
applied inside the index query (search.permissions), never by hiding hits afterwards.
"""
from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from search import saved
from search.criteria import Criteria
from search.query import QueryError
from web import searching
from web.runtime import runtime
from workflow.errors import InputError

bp = Blueprint("archive", __name__, url_prefix="/archive")
FILTERS = ("q", "place", "definition", "state", "item", "category", "person", "date_from", "date_to",
           "amount_min", "amount_max", "kind", "sort")


def criteria_from(args) -> Criteria:
    """What the form asked for; blanks mean "any", as Criteria.build reads them."""
    values = {name: args.get(name, "") for name in FILTERS if name != "q"}
    values["kind"] = values["kind"] or "document"
    values["sort"] = values["sort"] or ("relevance" if args.get("q", "").strip() else "date_desc")
    return Criteria.build(query=args.get("q", ""), **values)


def args_of(criteria: Criteria) -> dict[str, str]:
    """A saved search back as the form's fields."""
    values = {k: "" if v is None else str(v) for k, v in asdict(criteria).items()}
    values["q"] = values.pop("query")
    return {name: values.get(name, "") for name in FILTERS}


def link(args, **changes: str) -> str:
    """This search with some filters changed (a facet chosen, another page), as a URL."""
    merged = {k: v for k, v in args.items() if v and k != "page"}
    merged.update({k: v for k, v in changes.items() if v})
    return "?" + urlencode(merged)


@bp.route("/")
@login_required
def index():
    rt = runtime()
    mine = saved.of(rt.db, int(current_user.id))
    chosen = request.args.get("saved", type=int)
    if chosen is not None:
        found = next((s for s in mine if s.id == chosen), None)
        if found is None:
            abort(404)
        args = args_of(found.criteria)
    else:
        args = {name: request.args.get(name, "").strip() for name in FILTERS}
    page_number = max(request.args.get("page", 1, type=int), 1)
    problem, results = None, None
    if any(args.values()):
        try:
            results = searching.run(rt, current_user.username, criteria_from(args), page_number)
        except QueryError as exc:
            problem = str(exc)
    return render_template("archive/index.html", args=args, results=results, problem=problem, link=link,
                           charts=rt.registry.charts(), catalogue=rt.registry.support.catalogue,
                           saved=mine, form=FlaskForm()), 400 if problem else 200


@bp.route("/saved", methods=["POST"])
@login_required
def save():
    """Keep the search now shown under a name; the form posts the search's fields along."""
    args = {name: request.form.get(name, "").strip() for name in FILTERS}
    try:
        saved.save(runtime().db, int(current_user.id), request.form.get("name", ""), criteria_from(args))
    except (InputError, QueryError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("已保存检索：%(name)s", name=request.form.get("name", "").strip()), "success")
    return redirect(url_for("archive.index") + link(args))


@bp.route("/saved/<int:saved_id>/delete", methods=["POST"])
@login_required
def forget(saved_id: int):
    if not saved.remove(runtime().db, int(current_user.id), saved_id):
        abort(404)
    flash(_("已删除保存的检索"), "info")
    return redirect(url_for("archive.index"))
