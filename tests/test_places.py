"""One place hierarchy: every way cunwu asks "which villages are under this place" gives the same answer
over a demo county of three townships (places.under, which filters the service's document lists;
places.villages_under, the worklist's; places.villages_where, the web's; the archive index's permission
tokens; and the verifier's path-based scope). Taken over the service's and the worklist's own copies
before they were replaced by places.under and places.villages_under."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from search.permissions import PlaceRef, allowed_tokens, principal_tokens
from workflow import context as app
from workflow.demo import county as demo
from workflow.ledger.verify import Scope
from workflow.people import places
from workflow.people.directory import Principal
from workflow.store.tables import Place


@pytest.fixture(scope="module")
def hierarchy(tmp_path_factory: pytest.TempPathFactory, registry) -> dict:
    home = tmp_path_factory.mktemp("places")
    demo.build(home, villages=13, documents=1, seed=3, now=datetime(2026, 6, 1, tzinfo=UTC), registry=registry)
    db = app.open_database(home)
    try:
        with db.read() as s:
            rows = list(s.scalars(select(Place).order_by(Place.id)))
            truth = {p.id: {v.id for v in rows if v.kind == "village" and p in v.chain()} for p in rows}
            return {
                "places": [(p.id, p.kind, p.path()) for p in rows],
                "truth": truth,
                "villages": {v.id: (v.path(), [PlaceRef(x.id, x.name, x.kind) for x in v.chain()])
                             for v in rows if v.kind == "village"},
                "service": {p.id: set(places.under(s, p.id)) for p in rows},
                "worklist": {p.id: set(places.villages_under(s, p)) for p in rows},
                "where": {p.id: {v.id for v in places.villages_where(places.villages(db), [("archivist", p.id)],
                                                                     ["archivist"])} for p in rows},
            }
    finally:
        db.dispose()


def test_the_demo_county_has_three_levels(hierarchy: dict) -> None:
    kinds = [kind for _id, kind, _path in hierarchy["places"]]
    assert (kinds.count("county"), kinds.count("township"), kinds.count("village")) == (1, 3, 13)


def test_the_services_place_filter_reaches_exactly_the_villages_under(hierarchy: dict) -> None:
    villages = set(hierarchy["villages"])
    assert {p: found & villages for p, found in hierarchy["service"].items()} == hierarchy["truth"]


def test_the_worklist_reaches_exactly_the_villages_under(hierarchy: dict) -> None:
    assert hierarchy["worklist"] == hierarchy["truth"]


def test_villages_where_a_role_is_held_are_exactly_the_villages_under(hierarchy: dict) -> None:
    assert hierarchy["where"] == hierarchy["truth"]


def test_the_archive_index_lets_a_role_see_exactly_the_villages_under(hierarchy: dict, registry) -> None:
    wf = registry.get("certificate_issuance")
    state = next(iter(wf.states))
    found = {}
    for place_id, _kind, path in hierarchy["places"]:
        person = Principal(1, "someone", "某人", (("archivist", place_id, path),))
        mine = set(principal_tokens(person))
        found[place_id] = {v for v, (_path, chain) in hierarchy["villages"].items()
                           if mine & set(allowed_tokens(wf, state, chain))}
    assert found == hierarchy["truth"]


def test_the_verifiers_scope_covers_exactly_the_villages_under(hierarchy: dict) -> None:
    found = {place_id: {v for v, (village_path, _chain) in hierarchy["villages"].items()
                        if Scope(place=path).covers(1, village_path)}
             for place_id, _kind, path in hierarchy["places"]}
    assert found == hierarchy["truth"]
