"""What every agent provider speaks: a request in, a stream of steps out.

A provider yields ``Thinking``, ``ToolExecuting``, ``ToolCompleted`` and
``ResponseDelta`` steps in any order that makes sense to it, and ends with
exactly one ``Completed`` or ``Failed``. It knows nothing about WebSockets, run
ids on the wire, storage or timeouts: ``reference_app.runs`` turns the steps into
the contract's events and owns the run's life cycle.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

ErrorCode = Literal["AGENT_TIMEOUT", "TOOL_FAILED", "AGENT_FAILED"]


@dataclass(frozen=True)
class HistoryMessage:
    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True)
class AgentRequest:
    prompt: str
    user_id: str
    # earlier messages of the thread, oldest first, for providers that use context
    history: tuple[HistoryMessage, ...] = ()


@dataclass(frozen=True)
class Thinking:
    reasoning: str


@dataclass(frozen=True)
class ToolExecuting:
    tool_name: str
    parameters: dict[str, Any]
    execution_id: str


@dataclass(frozen=True)
class ToolCompleted:
    tool_name: str
    results: dict[str, Any]
    duration: float
    execution_id: str
    success: bool


@dataclass(frozen=True)
class ResponseDelta:
    delta: str


@dataclass(frozen=True)
class Completed:
    final_response: str


@dataclass(frozen=True)
class Failed:
    code: ErrorCode
    message: str
    recoverable: bool = field(default=True)


AgentStep = Thinking | ToolExecuting | ToolCompleted | ResponseDelta | Completed | Failed
TerminalStep = Completed | Failed


class AgentProvider(Protocol):
    # shown to the user as agent_started's agent_name
    name: str

    def stream(self, request: AgentRequest) -> AsyncIterator[AgentStep]:
        """The steps of one run, ending with one ``Completed`` or ``Failed``."""
        ...
