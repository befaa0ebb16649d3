"""Browser journeys in headless Chromium at a phone's width (390 px): a cadre takes an F01 major decision
from proposal to archive, a villager reads the public portal, an auditor finds a tampered record, and a
clerk searches the archive and exports a document. Screenshots of every page go to
test-artifacts/screenshots/."""
from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser_support import Journey, Served, browser, journey, serve  # noqa: F401
from tests.conftest import PASSWORD, VILLAGE
from tests.web_support import index_county, make_site, tamper_log_entry
from workflow.demo.county import tiny_pdf
from workflow.documents.service import Upload
from workflow.engine.registry import Registry
from workflow.ledger.bag import verify_bag

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Iterator[Served]:
    site = make_site(tmp_path_factory.mktemp("browser"), registry)
    running = serve(site)
    yield running
    running.stop()
    site.close()


def step(j: Journey, transition: str, fields: Mapping[str, str] = MappingProxyType({}),
         tallies: Mapping[str, tuple] = MappingProxyType({}), files: Mapping[str, tuple] = MappingProxyType({}),
         comment: str = "") -> None:
    """Open the step's form, fill it as a person would, sign with the password and submit."""
    form = j.page.locator(f"#form-{transition}")
    if not form.is_visible():
        j.page.locator(f"#action-{transition} > summary").click()
    for name, value in fields.items():
        field = form.locator(f'[name="{transition}-v__{name}"]')
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    for name, parts in tallies.items():
        for key, value in zip(("expected", "present", "yes", "no", "abstain"), parts):
            form.locator(f'[name="{transition}-v__{name}__{key}"]').fill(str(value))
    for slot, (filename, data, mime) in files.items():
        form.locator(f'[name="{transition}-file__{slot}"]').set_input_files(
            {"name": filename, "mimeType": mime, "buffer": data})
    if comment:
        form.locator(f'[name="{transition}-comment"]').fill(comment)
    form.locator(f'[name="{transition}-password"]').fill(PASSWORD)
    form.get_by_role("button", name="签名并提交").click()
    expect(j.page.locator(".flash.success")).to_be_visible()


def txt(name: str, text: str) -> tuple[str, bytes, str]:
    return (name, text.encode("utf-8"), "text/plain")


def pdf(name: str) -> tuple[str, bytes, str]:
    return (name, tiny_pdf(name.encode("ascii", "replace").decode()), "application/pdf")


def test_cadre_takes_a_major_decision_from_proposal_to_archive(browser: Browser, served: Served) -> None:
    clock = served.site.county.clock
    j = journey(browser, served, "cadre")
    j.login("party_secretary")
    j.shot("worklist")
    j.page.get_by_role("link", name="发起").click()
    j.shot("choose-flowchart")
    j.page.get_by_role("link", name="F01 村级重大事项决策（“四议两公开”通用流程）").click()
    j.page.locator('[name="start-place"]').select_option(f"涟源市/石马山镇/{VILLAGE}")
    j.page.locator('[name="start-title"]').fill("关于修建二组至三组村组道路的决策")
    j.page.locator('[name="start-v__matter"]').fill("修建二组至三组村组道路1.2公里")
    j.page.locator('[name="start-v__amount"]').fill("85000")
    j.page.locator('[name="start-v__item"]').select_option("村级工程项目建设")
    j.page.locator('[name="start-v__counterparty"]').select_option("不涉及")
    j.page.locator('[name="start-file__proposal"]').set_input_files(
        {"name": "proposal.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf("road plan")})
    j.page.locator('[name="start-password"]').fill(PASSWORD)
    j.shot("start-form")
    j.page.get_by_role("button", name="签名并发起").click()
    expect(j.page.locator("#state")).to_have_text("当前状态：村党组织提议")
    doc_url = j.page.url
    j.shot("proposed")
    step(j, "d_consult", {"consult_minutes": "同意提交党员大会审议"}, {"consult_tally": (7, 7, 6, 1, 0)},
         {"consult_record": txt("两委会议记录.txt", "两委联席会议记录")}, comment="<b>按时召开</b>")
    expect(j.page.locator("#state")).to_have_text("当前状态：村“两委”商议通过")
    j.shot("consulted")
    step(j, "d_review", tallies={"review_tally": (30, 25, 22, 2, 1)},
         files={"review_minutes": pdf("party-assembly.pdf")})
    j.shot("reviewed")
    j.logout()

    j.login("vc_chair")
    j.shot("vc-chair-worklist")
    j.page.get_by_role("link", name="关于修建二组至三组村组道路的决策").click()
    step(j, "d_resolve", {"resolution_summary": "同意修建，预算八万五千元",
                          "decision_body": "村民会议（按本村十八周岁以上村民计算到会）"},
         {"resolution_tally": (45, 40, 35, 3, 2)},
         {"resolution_minutes": txt("村民代表会议记录.txt", "村民代表会议记录及签到表")})
    j.shot("resolved")
    j.logout()

    j.login("township_reviewer")
    j.go(doc_url[len(j.base):])
    step(j, "d_township_approve", {"township_opinion": "程序合规，同意公开"})
    expect(j.page.locator("#state")).to_have_text("当前状态：决议公开")
    j.shot("publicizing")
    j.logout()

    clock.advance(days=8)
    j.login("vc_chair")
    j.go(doc_url[len(j.base):])
    step(j, "d_close_publicity", comment="公示七天，无异议")
    step(j, "complete", {"result_summary": "道路已建成，实际支出83,600元"},
         files={"result_report": txt("实施情况报告.txt", "实施情况报告")})
    j.logout()

    j.login("vsc_chair")
    j.go(doc_url[len(j.base):])
    step(j, "vsc_approve", {"vsc_opinion": "资金使用合规"})
    j.shot("result-published")
    j.logout()

    clock.advance(days=8)
    j.login("vc_chair")
    j.go(doc_url[len(j.base):])
    step(j, "archive")
    expect(j.page.locator("#state")).to_have_text("当前状态：已归档")
    expect(j.page.locator("#history > li")).to_have_count(9)
    expect(j.page.locator("#history .sig.valid")).to_have_count(9)
    expect(j.page.locator("#record-1 .comment")).to_have_text("<b>按时召开</b>")
    j.shot("archived")
    expect(j.page.locator("#diagram")).to_have_js_property("complete", True)
    drawn = j.page.evaluate("fetch(document.querySelector('#diagram').src, {cache: 'force-cache'}).then(r => r.text())")
    assert '<g id="state_archived" class="node current">' in drawn
    assert '<g id="state_d_proposed" class="node visited">' in drawn
    j.shot_of(".diagram", "diagram")
    j.page.set_viewport_size({"width": 1280, "height": 900})
    j.shot("archived-desktop")


def test_villager_reads_the_public_portal(browser: Browser, served: Served) -> None:
    site = served.site
    doc_id = site.county.service.start("village_clerk", "certificate_issuance", VILLAGE, "王五申请居住证明",
                                       {"applicant": "王五", "applicant_id": "431381198001010019",
                                        "certificate_type": "居住证明", "purpose": "子女入学"}, password=PASSWORD)
    for user, tid, values, uploads in [
            ("village_clerk", "list_check", {}, []), ("village_clerk", "verify", {"verification": "属实"}, []),
            ("party_secretary", "approve", {}, []),
            ("seal_keeper", "stamp", {"register_no": "2026-002", "blank_document": "否"},
             [Upload("certificate_scan", "证明.txt", "扫描件".encode())])]:
        site.county.service.step(user, doc_id, tid, values, uploads, password=PASSWORD)
    j = journey(browser, served, "villager")
    j.go("/public/")
    expect(j.page.locator("#boards a")).to_have_count(5)
    j.shot("portal")
    j.page.get_by_role("link", name="权力清单 事项、流程图、政策依据").click()
    expect(j.page.locator(".item")).to_have_count(28)
    j.shot("power-list")
    j.page.get_by_role("link", name="F31 村级证明出具").first.click()
    expect(j.page.locator(".diagram img")).to_be_visible()
    j.shot("flowchart")
    j.go("/public/results")
    j.shot("results-board")
    j.page.get_by_role("link", name="村级证明出具（石门坎村）").click()
    expect(j.page.locator("#disclosed")).to_contain_text("居住证明")
    expect(j.page.locator("body")).not_to_contain_text("王五")
    j.shot("result")
    j.go("/public/works")
    j.shot("works-board")
    j.go("/public/assets")
    j.shot("assets-board")
    j.go("/public/?lang=en")
    expect(j.page.locator("h1")).to_have_text("Village affairs made public")
    j.shot("portal-english")


@pytest.fixture
def own_site(tmp_path: Path, registry: Registry) -> Iterator[Served]:
    """A county of its own, for a journey that damages the log on purpose."""
    site = make_site(tmp_path / "county", registry)
    running = serve(site)
    yield running
    running.stop()
    site.close()


def test_auditor_sees_a_tampered_record_in_red(browser: Browser, own_site: Served) -> None:
    served, site = own_site, own_site.site
    doc_id = site.start_decision(title="关于新建村级文化广场的决策", matter="新建村级文化广场")
    view = site.step("party_secretary", doc_id, "d_consult",
                     {"consult_tally": "7/7/6/1/0", "consult_minutes": "同意提交党员大会审议"},
                     (Upload("consult_record", "两委会议记录.txt", "会议记录".encode()),))
    tampered = view.history[1].log_index
    tamper_log_entry(site.county.db, tampered, "同意提交党员大会审议", "不同意提交党员大会")
    j = journey(browser, served, "auditor")
    j.login("auditor")
    j.page.get_by_role("link", name="审计核验").click()
    j.page.get_by_label("核验范围").select_option("doc")
    j.page.get_by_label("文书编号").fill(str(doc_id))
    j.shot("verify-form")
    j.page.get_by_role("button", name="开始核验").click()
    expect(j.page.locator("#verdict")).to_contain_text("核验未通过")
    row = j.page.locator(f"#log-{tampered}")
    expect(row).to_have_class("red status-failed")
    expect(row).to_contain_text("签名无效")
    expect(row.locator(".small")).to_have_css("color", "rgb(198, 40, 40)")
    expect(j.page.locator(f"#log-{view.history[0].log_index}")).to_have_class("green status-valid")
    j.shot("report")
    j.go(f"/documents/{doc_id}")
    expect(j.page.locator("#record-1")).to_have_class("failed")
    expect(j.page.locator("#record-1 .sig")).to_contain_text("签名无效")
    j.shot("document")


def test_clerk_searches_the_archive_and_exports_a_document(browser: Browser, served: Served,
                                                           tmp_path: Path) -> None:
    site = served.site
    doc_id = site.start_decision(title="关于硬化五组通组道路的决策", matter="硬化五组通组道路0.9公里")
    site.start_decision(title="关于修缮七组山塘的决策", matter="修缮七组山塘")
    index_county(site)
    j = journey(browser, served, "clerk")
    j.login("archivist")
    j.page.get_by_role("link", name="档案检索").click()
    j.page.get_by_label("关键词").fill("通组道路")
    j.page.get_by_role("button", name="检索").click()
    hit = j.page.locator(f'#hits li[data-doc="{doc_id}"]')
    expect(hit.locator("mark").first).to_have_text("通组道路")
    j.shot("results")
    j.page.locator('[data-facet="village"] a').first.click()
    expect(j.page.locator("#place")).to_have_value(f"涟源市/石马山镇/{VILLAGE}")
    expect(j.page.locator("#total")).to_have_text("共 1 条")
    j.shot("village-facet")
    with j.page.expect_download() as exported:
        hit.get_by_role("link", name="导出 BagIt").click()
    bundle = tmp_path / "bag.zip"
    exported.value.save_as(bundle)
    zipfile.ZipFile(bundle).extractall(tmp_path)
    assert verify_bag(tmp_path / f"cunwu-doc-{doc_id}").ok
    hit.get_by_role("link", name="查看文书与附件").click()
    expect(j.page.locator("#doc-title")).to_have_text("关于硬化五组通组道路的决策")
    with j.page.expect_download() as attachment:
        j.page.locator("#record-0 a", has_text="方案.txt").click()
    assert Path(attachment.value.path()).read_bytes() == "初步方案".encode()
    j.shot("document")
