"""The verifier's own arithmetic and vocabulary: the tree it recomputes, what a place scope covers, and the
report it hands to the CLI and the web application."""
from __future__ import annotations

import pytest

from workflow.ledger import merkle
from workflow.ledger.verify import Failure, Report, Scope, verify_log


@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 8, 9, 31, 64, 65, 100])
def test_recomputed_root_is_the_rfc9162_root_of_the_leaves(size: int) -> None:
    entries = [(i, f"entry {i}".encode()) for i in range(size)]
    report = verify_log(entries, checkpoint=None)
    assert report.root == merkle.root_hash([merkle.leaf_hash(leaf) for _, leaf in entries]).hex()
    assert report.size == size


def test_unparseable_entries_are_each_named_and_still_hashed_into_the_tree() -> None:
    report = verify_log([(0, b"not json"), (1, b"{}")], checkpoint=None)
    assert [(f.index, f.code) for f in report.failures] == [(0, "malformed"), (1, "malformed"),
                                                            (None, "no-checkpoint")]


@pytest.mark.parametrize("place,covered", [
    ("石门坎村", True), ("石马山镇", True), ("涟源市/石马山镇", True), ("涟源市/石马山镇/石门坎村", True),
    ("新塘村", False), ("石马山镇/新塘村", False), ("涟源市/石门坎村", False),
])
def test_place_scope_covers_the_villages_under_it(place: str, covered: bool) -> None:
    assert Scope(place=place).covers(1, "涟源市/石马山镇/石门坎村") is covered


def test_document_scope_covers_only_that_document() -> None:
    assert (Scope(doc_id=3).covers(3, "a/b/c"), Scope(doc_id=3).covers(4, "a/b/c")) == (True, False)


def test_report_is_ok_only_without_failures() -> None:
    report = Report()
    assert report.ok
    report.failures.append(Failure(5, "bad-signature", "签名无效", doc_id=2, step_seq=1))
    assert not report.ok
    assert report.to_dict()["failures"] == [
        {"index": 5, "code": "bad-signature", "message": "签名无效", "doc_id": 2, "step_seq": 1}]
    assert str(report.failures[0]) == "第 5 条（文书 2 第 1 步）：签名无效 [bad-signature]"
