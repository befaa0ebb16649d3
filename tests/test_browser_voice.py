"""The villager's journey in headless Chromium at a phone's width: the village's QR code opens its page, the
villager objects to a 公示 in progress and gets a 查询码; the 公示 cannot close; the village answers; the
answer is on the 回音壁; the villager rates it with the code. Screenshots go to test-artifacts/screenshots/."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import segno
import zxingcpp
from playwright.sync_api import Browser, expect

from tests.browser_support import Served, browser, journey  # noqa: F401
from tests.test_browser import served, step  # noqa: F401
from tests.test_voice import posted_notice
from web.abuse import NUMERALS
from web.voice import qr_svg

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")


def scanned(svg: str) -> str:
    """What a phone's camera reads off the printed code: the SVG's modules drawn again as pixels."""
    url = svg.split("<title>", 1)[1].split("</title>", 1)[0]
    qr = segno.make(url, error="m")
    assert qr_svg(url).decode() == svg
    pixels = np.array([[0 if dark else 255 for dark in row] for row in qr.matrix_iter(scale=4, border=4)],
                      dtype=np.uint8)
    return zxingcpp.read_barcodes(pixels)[0].text


def test_a_villager_objects_to_a_notice_by_qr_code_and_rates_the_answer(browser: Browser, served: Served) -> None:
    county = served.site.county
    notice = posted_notice(county)
    village_id = county.service.show(notice).place
    villager = journey(browser, served, "villager-voice")
    villager.go("/public/")
    villager.page.get_by_role("link", name=village_id).click()
    villager.shot("village")
    qr_src = villager.page.locator(".qr img").get_attribute("src")
    svg = villager.page.request.get(served.url + qr_src).text()
    target = scanned(svg)
    assert target.endswith(villager.page.url.removeprefix(served.url))
    villager.go(f"/public/print/v/{target.rsplit('/', 1)[-1]}")
    expect(villager.page.locator(".print-card")).to_have_count(2)
    villager.shot("print-sheet")
    villager.page.goto(target)
    villager.page.locator("#notices").get_by_role("link", name="对此公示提出异议").click()
    villager.page.get_by_label("内容").fill("公开的收支明细里缺少三月份的票据")
    question = villager.page.locator("#question").inner_text()
    a, b = question.split(" 加 ")
    villager.page.locator("#challenge").fill(str(NUMERALS.index(a) + NUMERALS.index(b[0])))
    villager.shot("objection-form")
    villager.page.get_by_role("button", name="提交").click()
    code = villager.page.locator("#receipt-code").inner_text()
    villager.shot("receipt")

    cadre = journey(browser, served, "village-answers")
    cadre.login("vc_chair")
    county.clock.pass_deadline(county.service.show(notice).due_at)
    cadre.go(f"/documents/{notice}")
    expect(cadre.page.locator("#action-close_posting")).to_contain_text("公示期间有村民异议尚未办结")
    cadre.shot("notice-cannot-close")
    objection = county.intake.track(code).document_id
    cadre.go(f"/documents/{objection}")
    expect(cadre.page.locator("#submitters")).to_contain_text("匿名反映")
    if not cadre.page.locator("#form-answer").is_visible():
        cadre.page.locator("#action-answer > summary").click()
    cadre.page.locator('[name="answer-v__finding"]').select_option("异议成立")
    step(cadre, "answer", fields={"answer": "已补贴三月份票据并重新张贴"})
    cadre.shot("answered")

    villager.go("/public/voice")
    expect(villager.page.locator("#wall-list")).to_contain_text("已补贴三月份票据并重新张贴")
    villager.shot("wall")
    villager.go("/public/voice/track")
    villager.page.get_by_label("查询码").fill(code)
    villager.page.get_by_role("button", name="查询").click()
    expect(villager.page.locator("#tracking")).to_contain_text("已补贴三月份票据并重新张贴")
    villager.page.locator("#satisfied").check()
    villager.page.get_by_role("button", name="提交评价").click()
    expect(villager.page.locator("#rated")).to_be_visible()
    expect(villager.page.locator("#tracking-state")).to_have_text("已办结")
    villager.shot("rated")

    cadre.go(f"/documents/{notice}")
    step(cadre, "close_posting")
    expect(cadre.page.locator("#state")).to_contain_text("已归档")
