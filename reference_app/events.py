"""The server-to-client frames of the WebSocket protocol (contract section 4)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from reference_app.agent.base import (
    AgentStep,
    Completed,
    Failed,
    ResponseDelta,
    Thinking,
    ToolCompleted,
    ToolExecuting,
)

GOLDEN_PATH_EVENTS = (
    "agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed",
)

_EVENT_TYPE = {
    Thinking: "agent_thinking",
    ToolExecuting: "tool_executing",
    ToolCompleted: "tool_completed",
    ResponseDelta: "agent_response_delta",
    Completed: "agent_completed",
    Failed: "agent_error",
}


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def connection_established(connection_id: str, user_id: str) -> dict[str, Any]:
    return {"type": "connection_established", "connection_id": connection_id, "user_id": user_id,
            "golden_path_events": list(GOLDEN_PATH_EVENTS), "timestamp": now_iso()}


def invalid_message(message: str) -> dict[str, Any]:
    return {"type": "error", "code": "INVALID_MESSAGE", "message": message}


@dataclass(frozen=True)
class RunIds:
    run_id: str
    thread_id: str

    def event(self, event_type: str, **fields: Any) -> dict[str, Any]:
        """A flat run event: type, timestamp, run_id, thread_id and the event's own fields."""
        return {"type": event_type, "timestamp": now_iso(), "run_id": self.run_id,
                "thread_id": self.thread_id, **fields}

    def started(self, *, agent_name: str, task_description: str, user_id: str) -> dict[str, Any]:
        return self.event("agent_started", agent_name=agent_name, task_description=task_description,
                          user_id=user_id)

    def from_step(self, step: AgentStep) -> dict[str, Any]:
        fields = asdict(step)
        if isinstance(step, Completed):
            fields["status"] = "success"
        return self.event(_EVENT_TYPE[type(step)], **fields)
