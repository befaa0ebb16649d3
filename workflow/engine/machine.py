"""One `transitions` machine per (flowchart id, version), built once and shared by every document.

Documents are never added to a machine (add_model is quadratic and resets state); a step wraps the
document's stored state in a throwaway subject and fires `machine.events[id].trigger(subject, ...)`.
The guard runs as the transition's condition, so the machine alone decides whether the state changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from transitions import Machine, MachineError

from workflow.errors import StepRefused
from workflow.messages import Code

NO_SUCH_TRANSITION = Code("machine.no-such-transition", "流程中没有操作 '%(transition)s'")
NOT_FROM_STATE = Code("machine.not-from-state", "当前状态下不能执行操作 '%(transition)s'")
REFUSED = Code("machine.refused", "不能执行该操作")

Guard = Callable[[], tuple[str, ...]]


@dataclass
class Subject:
    """The state holder transitions reads and writes; nothing else of the document is exposed."""

    state: str


def _condition(event) -> bool:
    denials = event.kwargs["guard"]()
    event.kwargs["denials"].extend(denials)
    return not denials


class Engine:
    """The machines of every loaded workflow version."""

    def __init__(self, workflows: Iterable) -> None:
        self.machines: dict[tuple[str, int], Machine] = {}
        for wf in workflows:
            self.machines[(wf.id, wf.version)] = Machine(
                model=None,
                states=list(wf.states),
                transitions=[
                    {"trigger": t.id, "source": list(t.sources), "dest": t.to, "conditions": [_condition]}
                    for t in wf.transitions.values()
                ],
                initial=None,
                auto_transitions=False,
                send_event=True,
                ignore_invalid_triggers=False,
            )

    def allows(self, workflow_id: str, version: int, state: str, transition: str) -> bool:
        """Whether the machine has `transition` from `state` at all, guards aside (the verifier's question)."""
        event = self.machines[(workflow_id, version)].events.get(transition)
        return event is not None and state in event.transitions

    def fire(self, workflow_id: str, version: int, state: str, transition: str, guard: Guard) -> str:
        """Take `transition` from `state` if the guard allows it; return the new state or raise StepRefused."""
        machine = self.machines[(workflow_id, version)]
        event = machine.events.get(transition)
        if event is None:
            raise StepRefused(NO_SUCH_TRANSITION(transition=transition))
        subject = Subject(state)
        denials: list[str] = []
        try:
            moved = event.trigger(subject, guard=guard, denials=denials)
        except MachineError:
            raise StepRefused(NOT_FROM_STATE(transition=transition)) from None
        if not moved:
            raise StepRefused(REFUSED(), tuple(denials))
        return subject.state
