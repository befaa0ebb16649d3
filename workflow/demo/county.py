"""A demo county to try cunwu with: 涟源市, its townships and villages, a person for every role in every
place, and a year of documents over all 32 flowcharts, each signed step taken through the service.

Everything comes from one seed, so two runs with the same options make the same county. Documents are
backdated with the service's clock: each starts on a day of the past year (a fifth of them in the last
twenty days, so that work is still under way) and moves along one of its
flowchart's paths (workflow/demo/scenarios/, which the tests walk too) a few days per step,
stopping where "today" falls or, now and then, where it stalled; so the worklists hold overdue, nearly
due and comfortable documents, and the portal has results to show.

Demo people's signing keys are sealed with a light Argon2id cost (DEMO_KDF) so that a few thousand signed
steps take seconds; people added with `cunwu user add` get the interactive cost.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Optional

from workflow import context as app
from workflow.demo.scenarios import scenario as scenario_of
from workflow.documents.service import Service, Upload
from workflow.engine import registry as registry_mod
from workflow.engine.calendar import CalendarError
from workflow.engine.fields import valid_id_card
from workflow.engine.flowchart import Action, Workflow
from workflow.engine.registry import Registry
from workflow.engine.schema import AttachmentSpec, FieldSpec
from workflow.errors import CunwuError, InputError
from workflow.ledger.keys import KdfParams
from workflow.people import directory
from workflow.store.blobs import BlobStore
from workflow.store.database import utcnow

DEMO_PASSWORD = "cunwu-demo"
CALENDAR_STEP_BACK = 31  # days: a start whose first time limit ends past the holiday calendar begins this much earlier
DEMO_ORIGIN = "cunwu.demo/lianyuan"
DEMO_KDF = KdfParams(time_cost=1, memory_cost_kib=1024, parallelism=1)
COUNTY = ("涟源市", "lianyuan")
TOWNSHIPS = [
    ("石马山镇", "shimashan", [("石门坎村", "shimenkan"), ("向红村", "xianghong"), ("谭家村", "tanjia"),
                            ("石马村", "shima"), ("长青村", "changqing"), ("金龙村", "jinlong")]),
    ("桥头河镇", "qiaotouhe", [("新塘村", "xintang"), ("桥头村", "qiaotou"), ("双江村", "shuangjiang"),
                            ("荷叶村", "heye"), ("枫林村", "fenglin"), ("石塘村", "shitang")]),
    ("杨市镇", "yangshi", [("杨市村", "yangshicun"), ("联盟村", "lianmeng"), ("白竹村", "baizhu"),
                         ("东升村", "dongsheng"), ("水口村", "shuikou"), ("茶园村", "chayuan")]),
    ("伏口镇", "fukou", [("伏口村", "fukoucun"), ("花桥村", "huaqiao"), ("柳溪村", "liuxi"),
                       ("大坪村", "daping"), ("山田村", "shantian"), ("龙泉村", "longquan")]),
]
MAX_VILLAGES = sum(len(v) for _, _, v in TOWNSHIPS)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡郭何罗郑谢唐邓曾彭肖谭龙贺袁邹曹蒋廖欧阳"
GIVEN = ["建国", "秀英", "志强", "桂兰", "德胜", "玉梅", "长青", "小军", "春生", "海燕", "国平", "红霞", "新华",
         "凤英", "立新", "丽娟", "光明", "淑珍", "卫东", "翠兰", "文斌", "美玲", "家富", "金花", "永红", "树林"]
GROUPS = "一二三四五六七八九"
MATTERS = [
    "硬化{g}组通组道路{n}公里", "新建村级文化广场", "修缮{g}组山塘", "安装村主干道太阳能路灯{k}盏",
    "改造村卫生室", "疏浚{g}组灌溉渠道{n}公里", "新建村级综合服务中心停车场", "修建{g}组饮水工程蓄水池",
    "维修村小学旧校舍屋面", "建设{g}组垃圾集中收集点",
]
BUILDING_CHARTS = frozenset({"major_decision_4y2g", "village_works_below_threshold", "village_works_open_tender"})
REMARKS = ["经研究，同意按程序办理", "情况属实，符合政策规定", "资料齐全，予以受理", "程序合规，同意",
           "已按要求完成并公示", "经入户核实，情况属实", "同意，请按时限办结"]
PASSING_TALLY = {"expected": 30, "present": 28, "yes": 26, "no": 1, "abstain": 1}
FAILING_TALLY = {"expected": 30, "present": 20, "yes": 5, "no": 15, "abstain": 0}
STALL = 0.05
RECENT, RECENT_DAYS = 0.2, 20
_PERSON_ENDINGS = ("人", "姓名", "户主", "对象")
_PARENTHETICAL = re.compile(r"（[^）]*）")


@dataclass(frozen=True)
class Place:
    name: str
    slug: str
    path: str
    kind: str
    township: Optional["Place"] = None


@dataclass(frozen=True)
class Login:
    username: str
    name: str
    role: str
    role_title: str
    place: str


@dataclass
class DemoCounty:
    home: Path
    logins: list[Login]
    documents: int
    steps: int
    states: dict[str, int] = field(default_factory=dict)


def places(villages: int) -> tuple[list[Place], list[Place]]:
    """At least two townships; villages dealt to them in turn, so each township has about the same."""
    if not 1 <= villages <= MAX_VILLAGES:
        raise InputError(f"村的数量须在 1 到 {MAX_VILLAGES} 之间")
    count = max(2, -(-villages // 6))
    towns = [Place(name, slug, f"{COUNTY[0]}/{name}", "township") for name, slug, _ in TOWNSHIPS[:count]]
    out = []
    for i in range(villages):
        town = towns[i % count]
        name, slug = TOWNSHIPS[i % count][2][i // count]
        out.append(Place(name, slug, f"{town.path}/{name}", "village", town))
    return towns, out


def username(role: str, level: str, village: Place) -> str:
    assert village.township is not None
    slug = {"village": village.slug, "township": village.township.slug, "county": COUNTY[1]}[level]
    return f"{slug}_{role}"


def build(home: Path, db_url: Optional[str] = None, villages: int = 6, documents: int = 400, seed: int = 2017,
          now: Optional[datetime] = None, progress: Callable[[int, int], None] = lambda done, total: None,
          registry: Optional[Registry] = None) -> DemoCounty:
    """Make the demo county in an empty data directory; refuses one that already holds documents."""
    reg = registry or registry_mod.load()
    rng = random.Random(seed)
    towns, village_list = places(villages)
    db = app.init(home, db_url, DEMO_ORIGIN, registry=reg)
    try:
        keyring = replace(app.bootstrap_keys(home, db), user_kdf=DEMO_KDF)
        clock = _Clock(now or utcnow())
        service = Service(db, reg, BlobStore(home / "blobs"), clock, keyring=keyring)
        if service.count():
            raise CunwuError(f"数据目录 {home} 中已有文书；演示数据须建在新的目录中（用 --home 指定）")
        logins = _people(db, reg, keyring, towns, village_list, rng)
        result = DemoCounty(home, logins, 0, 0)
        charts = reg.power_charts()
        order = rng.sample(range(documents), documents)
        for done, i in enumerate(order, 1):
            wf = charts[i % len(charts)]
            walked = _document(service, clock, wf, rng.choice(village_list), rng, clock.start)
            result.documents += 1
            result.steps += walked[1]
            result.states[walked[0]] = result.states.get(walked[0], 0) + 1
            progress(done, documents)
        return result
    finally:
        db.dispose()


class _Clock:
    """The service's clock, moved back and forth by the demo to backdate each step."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _people(db, reg: Registry, keyring, towns: list[Place], village_list: list[Place],
            rng: random.Random) -> list[Login]:
    roles = reg.support.roles.roles
    county = Place(COUNTY[0], COUNTY[1], COUNTY[0], "county")
    logins = []
    with db.write() as s:
        directory.add_place(s, "county", county.name, None)
        for t in towns:
            directory.add_place(s, "township", t.name, county.name)
        for v in village_list:
            assert v.township is not None
            directory.add_place(s, "village", v.name, v.township.path)
        password_hash = directory.hash_password(DEMO_PASSWORD)
        holders = [(county, "county")] + [(t, "township") for t in towns] + [(v, "village") for v in village_list]
        for place, level in holders:
            for role_id, role in roles.items():
                if role.level != level or role_id == directory.PORTAL_ROLE:
                    continue
                name = _person(rng)
                user = f"{place.slug}_{role_id}"
                directory.add_user_with_hash(s, reg.support, user, name, password_hash, role_id, place.path,
                                             password=DEMO_PASSWORD, keyring=keyring)
                logins.append(Login(user, name, role_id, role.title, place.path))
    return logins


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _is_person(spec: FieldSpec) -> bool:
    return spec.type == "text" and _PARENTHETICAL.sub("", spec.title).strip().endswith(_PERSON_ENDINGS)


def _document(service: Service, clock: _Clock, wf: Workflow, village: Place, rng: random.Random,
              today: datetime) -> tuple[str, int]:
    """Start one document on a day of the past year and walk its path until today or a stall."""
    scenario = scenario_of(wf.id)
    paths = scenario["paths"]
    names = list(paths)
    chosen = paths[names[0]] if rng.random() < 0.55 else paths[rng.choice(names)]
    path, path_fields = chosen["steps"], chosen.get("fields", {})
    days_ago = rng.uniform(0, RECENT_DAYS) if rng.random() < RECENT else rng.uniform(0, 365)
    clock.now = today - timedelta(days=days_ago, minutes=rng.randint(0, 600))
    title, start_values = _vary(wf, scenario, rng)
    values = _form(wf, wf.start, {**scenario.get("fields", {}), **start_values, **path_fields}, rng, clock.now)
    actor = _actor(wf, wf.start, None, village)
    files, remark = _files(wf.start, title, clock.now, rng), rng.choice(REMARKS) if rng.random() < 0.3 else None
    try:
        doc_id = service.start(actor, wf.id, village.path, title, values, files, remark, password=DEMO_PASSWORD)
    except CalendarError:
        clock.now -= timedelta(days=CALENDAR_STEP_BACK)
        doc_id = service.start(actor, wf.id, village.path, title, values, files, remark, password=DEMO_PASSWORD)
    view = service.show(doc_id)
    steps = 1
    for entry in path:
        tid, extra = (entry, {}) if isinstance(entry, str) else (entry["t"], entry.get("fields", {}))
        action = wf.transitions[tid]
        moment = clock.now + timedelta(hours=rng.uniform(4, 96))
        if any("deadline_passed" in c.rule.text for c in action.conditions) and view.due_at:
            moment = max(moment, view.due_at + timedelta(hours=rng.uniform(1, 30)))
        if moment > today or rng.random() < STALL:
            break
        clock.now = moment
        actor = view.history[-1].actor if action.by_previous_actor else _actor(wf, action, view.state, village)
        values = _form(wf, action, {**scenario.get("fields", {}), **start_values, **extra}, rng, moment)
        try:
            view = service.step(actor, doc_id, tid, values, _files(action, title, moment, rng),
                                rng.choice(REMARKS) if rng.random() < 0.4 else None, password=DEMO_PASSWORD)
        except CunwuError:
            break
        steps += 1
    return view.state_title, steps


def _vary(wf: Workflow, scenario: dict, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """The scenario's first document with another person, group or matter, so no two read alike."""
    title, values = scenario["start"]["title"], dict(scenario["start"].get("fields", {}))
    person = next((values[f.name] for f in wf.start.fields if f.name in values and _is_person(f)), None)
    if person:
        other = _person(rng)
        title = title.replace(person, other)
        values = {k: v.replace(person, other) if isinstance(v, str) else v for k, v in values.items()}
    if wf.id in BUILDING_CHARTS and "matter" in values:
        matter = rng.choice(MATTERS).format(g=rng.choice(GROUPS), n=rng.choice(["0.8", "1.2", "1.5", "2.3"]),
                                            k=rng.choice([30, 45, 60]))
        values["matter"] = matter
        title = f"关于{matter}的决策"
    for spec in wf.start.fields:
        if spec.type == "id_card" and spec.name in values:
            values[spec.name] = valid_id_card(f"431381{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}"
                                              f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}")
    return title, values


def _form(wf: Workflow, action: Action, given: dict[str, Any], rng: random.Random, when: datetime) -> dict:
    return {f.name: given[f.name] if f.name in given else _value(wf, f, rng, when) for f in action.fields}


def _value(wf: Workflow, spec: FieldSpec, rng: random.Random, when: datetime) -> Any:
    if spec.type == "tally":
        return dict(PASSING_TALLY if spec.quorum or spec.route else FAILING_TALLY)
    if spec.type == "text":
        return _person(rng) if _is_person(spec) else rng.choice(REMARKS)
    return {
        "integer": 1,
        "amount": "1000.00",
        "date": (when + timedelta(hours=8)).date().isoformat(),
        "choice": (wf.options(spec) or ("",))[0],
        "boolean": False,
        "id_card": valid_id_card(f"431381{rng.randint(1950, 2000)}0101{rng.randint(0, 999):03d}"),
        "phone": f"13{rng.randint(5, 9)}{rng.randint(0, 99999999):08d}",
    }[spec.type]


def _actor(wf: Workflow, action: Action, state: Optional[str], village: Place) -> str:
    """Someone holding one of the action's roles where this village's document can be acted on."""
    allowed = wf.states[state].step if state else None
    roles = wf.support.roles.roles
    for role in action.roles:
        if allowed is None or role in allowed:
            return username(role, roles[role].level, village)
    return username(action.roles[0], roles[action.roles[0]].level, village)


def _files(action: Action, title: str, when: datetime, rng: random.Random) -> list[Upload]:
    return [_file(a, title, when, rng) for a in action.attachments]


def _file(spec: AttachmentSpec, title: str, when: datetime, rng: random.Random) -> Upload:
    day = (when + timedelta(hours=8)).date().isoformat()
    if rng.random() < 0.5:
        text = f"cunwu demo: {spec.name} {day}"
        return Upload(spec.name, f"{spec.title}.pdf", tiny_pdf(text), "application/pdf")
    body = f"{spec.title}\n{title}\n{day}\n{rng.choice(REMARKS)}\n"
    return Upload(spec.name, f"{spec.title}.txt", body.encode("utf-8"), "text/plain")


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF showing one line of ASCII text (cross-reference offsets computed)."""
    safe = text.encode("ascii", "replace").decode("ascii").replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%b\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
