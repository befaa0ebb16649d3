"""Flowchart diagrams as SVG, with a document's current and visited states highlighted.

Built on demand from the definition (never a GraphMachine bound to documents, which leaks memory) and
laid out by Graphviz's `dot`, so it renders offline.
"""
from __future__ import annotations

import shutil
from typing import Iterable, Optional

import graphviz

from workflow.engine.flowchart import Workflow
from workflow.errors import CunwuError

KIND_STYLE = {
    "return": {"color": "#b26b00", "style": "dashed"},
    "withdraw": {"color": "#7a5cff", "style": "dashed"},
    "objection": {"color": "#c0392b", "style": "dotted"},
    "reject": {"color": "#888888"},
}


def dot_source(wf: Workflow, current: Optional[str] = None, visited: Iterable[str] = ()) -> str:
    seen = set(visited)
    g = graphviz.Digraph(wf.id, graph_attr={"rankdir": "TB", "fontname": "Noto Sans CJK SC", "label": wf.title,
                                            "labelloc": "t", "fontsize": "16"},
                         node_attr={"fontname": "Noto Sans CJK SC", "shape": "box", "style": "rounded,filled",
                                    "fillcolor": "#ffffff", "fontsize": "12"},
                         edge_attr={"fontname": "Noto Sans CJK SC", "fontsize": "10"})
    g.node("__start", label=wf.start.title, shape="oval", fillcolor="#eef5ff")
    g.edge("__start", wf.initial)
    for name, state in wf.states.items():
        attrs = {"id": f"state_{name}"}
        if state.final:
            attrs["peripheries"] = "2"
        if name == current:
            attrs.update(fillcolor="#ffd54f", penwidth="3", **{"class": "current"})
        elif name in seen:
            attrs.update(fillcolor="#c8e6c9", **{"class": "visited"})
        label = state.title
        if state.deadline:
            d = state.deadline
            label += f"\n（{d.days}天）" if d.days else f"\n（{d.working_days}个工作日）"
        g.node(name, label=label, **attrs)
    for t in wf.transitions.values():
        for source in t.sources:
            g.edge(source, t.to, label=t.title, **KIND_STYLE.get(t.kind, {}))
    return g.source


def available() -> bool:
    """Whether Graphviz's `dot` is on PATH: pip cannot install it, so pages ask before drawing and show a
    note instead of a broken image when it is missing."""
    return shutil.which("dot") is not None


def render_svg(wf: Workflow, current: Optional[str] = None, visited: Iterable[str] = ()) -> str:
    if not available():
        raise CunwuError("绘制流程图需要 Graphviz（dot 命令），请先安装：apt-get install graphviz")
    return graphviz.Source(dot_source(wf, current, visited)).pipe(format="svg").decode("utf-8")
