"""A generated archive for the search tests and the benchmark: definitions, places, people and
document views in the shape of ``Service.show``, with the ground truth computed independently of
``search.records``.

Three small flowcharts are written next to copies of the shipped roles, quorums and negative
list, so the tests do not depend on the shipped flowcharts, which change while the power list is
being written. They cover what search must respect: a disclosure with ID-card and phone numbers
(masked on the portal), a flowchart-wide ``view`` list, a per-state ``view`` list, a flowchart
serving two power-list items, and attachments disclosed with a state.

Generation is seeded, so the test corpus and the benchmark corpus are the same on every run.
"""

from __future__ import annotations

import hashlib
import io
import random
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from opencc import OpenCC

import definitions
from search.analysis import fold
from search.permissions import PlaceRef
from workflow.documents.views import AttachmentView, DocumentView, StepView
from workflow.engine import registry as registry_mod
from workflow.engine.fields import valid_id_card
from workflow.engine.flowchart import Workflow
from workflow.engine.registry import Registry

SHIPPED = Path(definitions.__file__).resolve().parent
LOCAL = timezone(timedelta(hours=8))

COUNTY = PlaceRef(1, "涟源市", "county")
TOWNSHIPS = {"石马山镇": PlaceRef(2, "石马山镇", "township"), "桥头河镇": PlaceRef(3, "桥头河镇", "township")}
VILLAGES = {
    "石门坎村": (PlaceRef(11, "石门坎村", "village"), "石马山镇"),
    "桃园村": (PlaceRef(12, "桃园村", "village"), "石马山镇"),
    "新塘村": (PlaceRef(13, "新塘村", "village"), "桥头河镇"),
    "石门村": (PlaceRef(14, "石门村", "village"), "桥头河镇"),
}


@dataclass(frozen=True)
class Geography:
    """The county the documents come from: townships, and villages with their township."""

    county: PlaceRef
    townships: dict[str, PlaceRef]
    villages: dict[str, tuple[PlaceRef, str]]

    def chain(self, village: str) -> list[PlaceRef]:
        """The place chain of a village, nearest first, as ``Place.chain()`` orders it."""
        place, township = self.villages[village]
        return [place, self.townships[township], self.county]

    def path(self, village: str) -> str:
        return "/".join(p.name for p in reversed(self.chain(village)))


SMALL = Geography(COUNTY, TOWNSHIPS, VILLAGES)


def large_geography(townships: int = 8, villages_per_township: int = 8) -> Geography:
    """A county of the size the search anchors benchmarked (about 60 villages), the test
    villages among them so the probes still mean something."""
    first = "石桃新清白黄龙凤金银长高双太永安柳杨梅竹松花荷兰"
    second = "门园塘水泉山田湾坪冲岭坡桥溪峰林湖洲"
    town_names = list(TOWNSHIPS) + [f"{first[i]}{second[i]}镇" for i in range(2, townships)]
    towns = {name: PlaceRef(2 + i, name, "township") for i, name in enumerate(town_names)}
    villages = dict(VILLAGES)
    number = 0
    for town in town_names:
        while sum(1 for _, t in villages.values() if t == town) < villages_per_township:
            name = f"{first[number % len(first)]}{second[(number * 7) % len(second)]}{'上下东西南北中'[number % 7]}村"
            number += 1
            if name not in villages:
                villages[name] = (PlaceRef(100 + len(villages), name, "village"), town)
    return Geography(COUNTY, towns, villages)


CATALOGUE = """\
categories:
  major:   {title: 重大决策类}
  service: {title: 便民服务类}
items:
  A01: {title: 村级工程项目建设, category: major, executor: 村两委, supervisor: 村务监督委员会,
        legal_basis: [《村民委员会组织法》第二十四条], flowcharts: [test_works]}
  A02: {title: 村集体资产资源处置, category: major, executor: 村两委, supervisor: 村务监督委员会,
        legal_basis: [《村民委员会组织法》第二十四条], flowcharts: [test_works]}
  C05: {title: 最低生活保障申请, category: service, executor: 村委会, supervisor: 乡镇民政办,
        legal_basis: [《社会救助暂行办法》], flowcharts: [test_dibao]}
  C14: {title: 村级证明出具, category: service, executor: 村委会, supervisor: 村务监督委员会,
        legal_basis: [厅字〔2022〕28号], flowcharts: [test_certificate]}
"""

CERTIFICATE = """\
id: test_certificate
version: 1
code: F31
title: 证明出具（测试）
items: [C14]
start:
  title: 受理申请
  roles: [village_clerk, vc_chair]
  fields:
    - {name: applicant, title: 申请人, type: text}
    - {name: applicant_id, title: 申请人身份证号, type: id_card}
    - {name: phone, title: 联系电话, type: phone}
    - {name: certificate_type, title: 证明类型, type: choice, options: [居住证明, 外出务工证明, 家庭经济困难证明]}
    - {name: purpose, title: 用途, type: text}
initial: requested
states:
  requested: {title: 待核实}
  approving: {title: 待审批}
  issued:
    title: 已出具
    disclose: {fields: [applicant, applicant_id, phone, certificate_type]}
  refused: {title: 不予出具, final: true}
  archived: {title: 已归档, final: true}
transitions:
  - {id: verify, title: 核实情况, from: requested, to: approving, roles: [village_clerk, vc_chair],
     fields: [{name: verification, title: 核实情况说明, type: text}]}
  - {id: approve, title: 审批同意, from: approving, to: issued, roles: [party_secretary, vc_chair],
     fields: [{name: register_no, title: 登记编号, type: text}],
     attachments: [{name: certificate_scan, title: 证明存档件, required: false}]}
  - {id: refuse, title: 不予出具, kind: reject, from: approving, to: refused, roles: [party_secretary],
     fields: [{name: refusal_reason, title: 不予出具理由, type: text}]}
  - {id: archive, title: 归档, from: issued, to: archived, roles: [village_clerk]}
"""

DIBAO = """\
id: test_dibao
version: 1
code: F21
title: 低保审核（测试）
items: [C05]
view: [party_secretary, vc_chair, township_civil, county_civil, archivist]
start:
  title: 提出申请
  roles: [village_clerk]
  fields:
    - {name: applicant, title: 申请人（户主）, type: text}
    - {name: applicant_id, title: 户主身份证号, type: id_card}
    - {name: household_size, title: 家庭人口, type: integer}
    - {name: cause_detail, title: 困难情况说明, type: text}
initial: applied
states:
  applied: {title: 已受理}
  notice:
    title: 公示中
    disclose: {fields: [applicant, household_size, proposed_amount]}
  certified:
    title: 已确认保障
    final: true
    disclose: {fields: [applicant, household_size, monthly_amount]}
  refused: {title: 不予保障, final: true}
transitions:
  - {id: investigate, title: 入户调查, from: applied, to: notice, roles: [township_civil],
     fields: [{name: investigation, title: 调查核实情况, type: text},
              {name: proposed_amount, title: 拟保障金额（元/月）, type: amount}],
     attachments: [{name: survey, title: 入户调查表, required: false}]}
  - {id: certify, title: 审核确认, from: notice, to: certified, roles: [county_civil],
     fields: [{name: monthly_amount, title: 核定保障金额（元/月）, type: amount}]}
  - {id: refuse, title: 不予保障决定, kind: reject, from: notice, to: refused, roles: [county_civil],
     fields: [{name: refusal_reason, title: 不予保障理由, type: text}]}
"""

WORKS = """\
id: test_works
version: 1
code: F02
title: 村级项目决策（测试）
items: [A01, A02]
start:
  title: 提出项目
  roles: [party_secretary]
  fields:
    - {name: project, title: 项目名称, type: text}
    - {name: contractor, title: 承包方, type: text}
    - {name: amount, title: 预算金额（元）, type: amount}
  attachments: [{name: proposal, title: 初步方案, required: false}]
initial: proposed
states:
  proposed: {title: 待决议, view: [party_secretary, vc_chair, township_reviewer, archivist]}
  resolved:
    title: 已决议
    disclose: {fields: [project, amount], attachments: true}
  archived: {title: 项目归档, final: true}
transitions:
  - {id: resolve, title: 村民代表会议决议, from: proposed, to: resolved, roles: [vc_chair],
     fields: [{name: tally, title: 表决情况, type: tally}, {name: minutes, title: 会议纪要, type: text}],
     attachments: [{name: minutes_file, title: 会议记录, required: false}]}
  - {id: archive, title: 归档, from: resolved, to: archived, roles: [vc_chair]}
"""


def write_definitions(target: Path) -> Path:
    """A definitions directory with the shipped support files and the three test flowcharts."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("roles.yaml", "quorums.yaml", "negative_list.yaml"):
        shutil.copy(SHIPPED / name, target / name)
    (target / "catalogue.yaml").write_text(CATALOGUE, encoding="utf-8")
    (target / "f21_test_dibao.yaml").write_text(DIBAO, encoding="utf-8")
    (target / "f31_test_certificate.yaml").write_text(CERTIFICATE, encoding="utf-8")
    (target / "f02_test_works.yaml").write_text(WORKS, encoding="utf-8")
    return target


def load_registry(target: Path) -> Registry:
    return registry_mod.load([write_definitions(target)])


# People. Cadres act in steps; villagers are named in fields, comments and attachments.
SURNAMES = "王李刘陈杨黄赵吴周徐孙马朱胡郭何高林罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "桂英", "建华", "志强", "春梅", "国庆", "海燕", "红霞", "德胜", "玉兰", "长生", "金凤"]
# Probes with known traps: 张三 is inside 张三丰, 石门村 is not inside 石门坎村 but shares 石门.
PROBE_NAMES = ["张三", "张三丰", "李秀英", "欧阳春华", "王建国"]
# Rare names, for the benchmark's "rare name" class: compound surnames with two-character names.
RARE_NAMES = [s + g for s in ["司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "西门"]
              for g in ["子健", "若兰", "明轩", "雨桐", "思远", "梓涵", "浩然", "欣怡", "宇航", "语嫣",
                        "天佑", "婉清", "文博", "嘉懿", "俊杰", "诗琪", "泽宇", "可馨", "晨阳", "一诺"]]
TERMS = ["危房改造", "村务公开", "集体资产处置", "道路硬化", "低保", "宅基地"]
PROJECTS = ["{village}道路硬化工程", "{village}集体资产处置（闲置厂房出租）", "{village}饮水安全工程",
            "{village}村务公开栏建设", "{village}危房改造配套工程"]
COMPANIES = ["涟源市宏达建筑公司", "娄底市顺通路桥有限公司", "石马山镇农机合作社"]
SENTENCES = [
    "经核实，{name}家庭情况属实，同意上报。",
    "{village}{term}材料齐全，{name}签字确认。",
    "村务公开栏已张贴，公示期内无异议。",
    "集体资产处置方案经村民代表会议表决通过，{name}列席。",
    "请{name}补充{term}相关材料。",
    "GPS坐标已核实，{name}房屋为C级危房。",
    "{name}反映{village}{term}进度偏慢，已转办。",
]


@dataclass(frozen=True)
class Cadre:
    username: str
    name: str
    role: str
    place: PlaceRef


def cadres(geo: Geography) -> dict[tuple[str, str], Cadre]:
    """One person per (role, place name); a few carry probe names so actors are searchable too."""
    people: dict[tuple[str, str], Cadre] = {}
    special = {("vc_chair", "桃园村"): "李秀英", ("township_civil", "桥头河镇"): "欧阳春华"}
    number = 0
    for village, (place, _) in geo.villages.items():
        for role in ("party_secretary", "vc_chair", "village_clerk"):
            number += 1
            name = special.get((role, village), SURNAMES[number % len(SURNAMES)] + GIVEN[number % len(GIVEN)] + "官")
            people[(role, village)] = Cadre(f"{role}_{place.id}", name, role, place)
    for township, place in geo.townships.items():
        number += 1
        name = special.get(("township_civil", township), SURNAMES[number % len(SURNAMES)] + "民政")
        people[("township_civil", township)] = Cadre(f"township_civil_{place.id}", name, "township_civil", place)
    people[("county_civil", geo.county.name)] = Cadre("county_civil_1", "邓县民政", "county_civil", geo.county)
    return people

ROLE_TITLES = {"party_secretary": "村党组织书记", "vc_chair": "村委会主任", "village_clerk": "村便民服务代办员",
               "township_civil": "乡镇民政办", "county_civil": "县民政局"}


@dataclass
class Document:
    """One generated document: what ``load`` returns for it, and the truth the tests check against."""

    view: DocumentView
    workflow: Workflow
    chain: list[PlaceRef]
    village: str
    texts: list[str] = field(default_factory=list)
    persons: set[str] = field(default_factory=set)
    traditional: bool = False

    @property
    def loaded(self) -> tuple[DocumentView, Workflow, list[PlaceRef]]:
        return self.view, self.workflow, self.chain

    @property
    def id(self) -> int:
        return self.view.id

    def local_days(self) -> tuple[date, date]:
        first = self.view.created_at.astimezone(LOCAL).date()
        last = self.view.updated_at.astimezone(LOCAL).date()
        return first, last


@dataclass
class Corpus:
    documents: list[Document]
    blobs: dict[str, bytes]
    attachment_texts: dict[str, str]

    def by_id(self) -> dict[int, Document]:
        return {doc.id: doc for doc in self.documents}


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_with_text(text: str) -> bytes:
    """A minimal one-page PDF whose text layer is ``text`` (any script), via a ToUnicode map.

    Each distinct character gets a two-byte code; no font is embedded, which readers of the
    text layer (pypdf) do not need.
    """
    chars = list(dict.fromkeys(text))
    codes = {ch: index + 1 for index, ch in enumerate(chars)}
    cmap_lines = "\n".join(f"<{codes[ch]:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for ch in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Test def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{cmap_lines}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode("ascii")
    shown = "".join(f"{codes[ch]:04X}" for ch in text)
    content = f"BT /F1 12 Tf 72 720 Td <{shown}> Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Song /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Song "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class _Generator:
    def __init__(self, registry: Registry, geo: Geography, seed: int, traditional_share: float,
                 attachments: bool, rare_share: float) -> None:
        self.rng = random.Random(seed)
        self.registry = registry
        self.geo = geo
        self.cadres = cadres(geo)
        self.village_names = list(geo.villages)
        self.rare_share = rare_share
        self.s2t = OpenCC("s2t")
        self.traditional_share = traditional_share
        self.with_attachments = attachments
        self.blobs: dict[str, bytes] = {}
        self.attachment_texts: dict[str, str] = {}
        self.id_serial = 0

    def name(self) -> str:
        draw = self.rng.random()
        if draw < self.rare_share:
            return self.rng.choice(RARE_NAMES)
        if draw < 0.08:
            return self.rng.choice(PROBE_NAMES)
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def sentence(self, village: str) -> str:
        return self.rng.choice(SENTENCES).format(name=self.name(), village=village, term=self.rng.choice(TERMS))

    def id_card(self) -> str:
        self.id_serial += 1
        return valid_id_card(f"431382{1950 + self.id_serial % 50}0{1 + self.id_serial % 9}1{self.id_serial % 10}"
                             f"{self.id_serial % 1000:03d}")

    def attachment(self, slot: str, village: str) -> AttachmentView:
        text = self.sentence(village)
        kind = self.rng.choice(["utf8", "gbk", "docx", "pdf", "broken"])
        if kind == "utf8":
            data, filename, media = text.encode("utf-8"), "说明.txt", "text/plain"
        elif kind == "gbk":
            data, filename, media = text.encode("gb18030"), "情况说明.txt", "text/plain"
        elif kind == "docx":
            data, filename = _docx(text), "会议记录.docx"
            media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        elif kind == "pdf":
            data, filename, media = pdf_with_text(text), "扫描件.pdf", "application/pdf"
        else:
            data, filename, media, text = b"%PDF-1.4 truncated", "损坏.pdf", "application/pdf", ""
        digest = hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        self.attachment_texts[digest] = text
        return AttachmentView(slot, filename, digest, len(data), media)

    def values(self, wf: Workflow, action_id: str, village: str) -> dict[str, Any]:
        rng = self.rng
        action = wf.start if action_id == "start" else wf.transitions[action_id]
        values: dict[str, Any] = {}
        for spec in action.fields:
            if spec.name == "applicant":
                values[spec.name] = self.name()
            elif spec.name == "contractor":
                values[spec.name] = rng.choice(COMPANIES) if rng.random() < 0.5 else self.name()
            elif spec.type == "id_card":
                values[spec.name] = self.id_card()
            elif spec.type == "phone":
                values[spec.name] = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
            elif spec.type == "amount":
                values[spec.name] = f"{rng.randint(100, 1_000_000)}.00"
            elif spec.type == "integer":
                values[spec.name] = rng.randint(1, 6)
            elif spec.type == "choice":
                values[spec.name] = rng.choice(spec.options)
            elif spec.type == "tally":
                values[spec.name] = {"expected": 40, "present": 33, "yes": 30, "no": 2, "abstain": 1}
            elif spec.name == "project":
                values[spec.name] = rng.choice(PROJECTS).format(village=village)
            elif spec.name == "register_no":
                values[spec.name] = f"ZM-{rng.randint(2019, 2025)}-{rng.randint(1, 999):03d}"
            else:
                values[spec.name] = self.sentence(village)
        return values

    def steps(self, wf: Workflow) -> list[str]:
        path = {"test_certificate": ["start", "verify", self.rng.choice(["approve", "approve", "refuse"]), "archive"],
                "test_dibao": ["start", "investigate", self.rng.choice(["certify", "refuse"])],
                "test_works": ["start", "resolve", "archive"]}[wf.id]
        if path[2] == "refuse" and wf.id == "test_certificate":
            path = path[:3]
        return path[: self.rng.randint(1, len(path))]

    def document(self, doc_id: int) -> Document:
        rng = self.rng
        wf = self.registry.get(rng.choice(["test_certificate", "test_dibao", "test_works"]))
        village = rng.choice(self.village_names)
        township = self.geo.villages[village][1]
        names: list[str] = []
        at = datetime(2019, 1, 1, tzinfo=LOCAL) + timedelta(minutes=rng.randint(0, 7 * 365 * 24 * 60))
        created = at
        history = []
        data: dict[str, Any] = {}
        state = wf.initial
        texts: list[str] = []
        traditional = rng.random() < self.traditional_share
        for seq, action_id in enumerate(self.steps(wf)):
            action = wf.start if action_id == "start" else wf.transitions[action_id]
            role = action.roles[0]
            place_name = {"village": village, "township": township, "county": self.geo.county.name}[
                wf.support.roles.roles[role].level]
            cadre = self.cadres[(role, place_name)]
            values = self.values(wf, action_id, village)
            named = [v for k, v in values.items() if k in ("applicant", "contractor")]
            names += [fold(name) for name in named]
            comment = self.sentence(village) if rng.random() < 0.5 else None
            if traditional:
                values = {k: self.s2t.convert(v) if isinstance(v, str) and wf.field_spec(k).type == "text" else v
                          for k, v in values.items()}
                comment = self.s2t.convert(comment) if comment else None
            attachments = []
            if self.with_attachments:
                attachments = [self.attachment(a.name, village) for a in action.attachments
                               if rng.random() < 0.6]
            history.append(StepView(
                seq=seq, transition=action_id, title=action.title, kind=action.kind,
                from_state=None if action_id == "start" else state, to_state=action.to,
                actor=cadre.username, actor_name=cadre.name, role=role, role_title=ROLE_TITLES[role],
                at=at.astimezone(timezone.utc), fields=values, comment=comment, log_index=None,
                attachments=tuple(attachments),
            ))
            texts += [str(v) for k, v in values.items() if wf.field_spec(k).type in ("text", "choice", "id_card")]
            texts += [comment or "", cadre.name]
            texts += [self.attachment_texts[a.sha256] for a in attachments]
            data.update(values)
            state = action.to
            at += timedelta(days=rng.randint(0, 40), minutes=rng.randint(0, 600))
        title = rng.choice(["关于{village}{name}{term}的申请", "{name}{term}事项", "{village}{term}（{name}）"]).format(
            village=village, name=self.name(), term=rng.choice(TERMS))
        if traditional:
            title = self.s2t.convert(title)
        texts += [title, self.geo.path(village)]
        view = DocumentView(
            id=doc_id, title=title, workflow=wf.id, workflow_version=wf.version,
            workflow_title=wf.title, code=wf.chart.code, place=self.geo.path(village), state=state,
            state_title=wf.states[state].title, final=wf.states[state].final, version=len(history) - 1,
            data=data, created_at=created.astimezone(timezone.utc), updated_at=history[-1].at, due_at=None,
            history=tuple(history), visited=tuple(sorted({h.to_state for h in history})),
        )
        persons = set(names) | {fold(h.actor_name) for h in history}
        return Document(view, wf, self.geo.chain(village), village, texts, persons, traditional)


def generate(registry: Registry, count: int, seed: int = 20261121, traditional_share: float = 0.1) -> Corpus:
    """The test corpus: the four test villages, attachments of every kind, 10 % Traditional."""
    generator = _Generator(registry, SMALL, seed, traditional_share, attachments=True, rare_share=0.0)
    documents = [generator.document(doc_id) for doc_id in range(1, count + 1)]
    return Corpus(documents, generator.blobs, generator.attachment_texts)


def iter_documents(registry: Registry, count: int, seed: int, geo: Geography,
                   traditional_share: float = 0.02, rare_share: float = 0.002) -> Iterator[Document]:
    """Benchmark documents, one at a time: no attachments, 2 % Traditional as in the anchors."""
    generator = _Generator(registry, geo, seed, traditional_share, attachments=False, rare_share=rare_share)
    for doc_id in range(1, count + 1):
        yield generator.document(doc_id)


def blob_reader(blobs: Mapping[str, bytes]) -> Callable[[str], bytes]:
    """``BlobStore.get`` over a dict: a missing digest raises FileNotFoundError like the store."""
    def read(digest: str) -> bytes:
        try:
            return blobs[digest]
        except KeyError:
            raise FileNotFoundError(digest) from None
    return read
