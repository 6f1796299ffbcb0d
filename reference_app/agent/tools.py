"""The agent's tools: real functions both providers call, described once for the model."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reference_app.agent.base import ToolCompleted, ToolExecuting
from reference_app.agent.calculator import CalculatorError, evaluate


class ToolError(Exception):
    """A tool could not do its job; the message is safe to show."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    # JSON Schema of the parameters (also what an OpenAI-compatible model is told)
    parameters_schema: dict[str, Any]
    function: Callable[[dict[str, Any]], dict[str, Any]]

    def as_openai_tool(self) -> dict[str, Any]:
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": self.parameters_schema}}


def _string_parameter(parameters: dict[str, Any], name: str) -> str:
    value = parameters.get(name)
    if not isinstance(value, str):
        raise ToolError(f"parameter {name!r} must be a string")
    return value


def _calculator(parameters: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"value": evaluate(_string_parameter(parameters, "expression"))}
    except CalculatorError as exc:
        raise ToolError(str(exc)) from exc


def _text_stats(parameters: dict[str, Any]) -> dict[str, Any]:
    text = _string_parameter(parameters, "text")
    return {"words": len(text.split()), "characters": len(text)}


TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in [
        Tool("calculator", "Evaluate an arithmetic expression: numbers, + - * / // % **, parentheses.",
             {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]},
             _calculator),
        Tool("text_stats", "Count the words and characters of a text.",
             {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
             _text_stats),
    ]
}


def start_tool(tool_name: str, parameters: dict[str, Any]) -> ToolExecuting:
    return ToolExecuting(tool_name=tool_name, parameters=parameters, execution_id=uuid.uuid4().hex)


def run_tool(executing: ToolExecuting) -> ToolCompleted:
    """Run the tool ``executing`` announced; a failure is a result with ``success`` false, not a raise."""
    started = time.perf_counter()
    tool = TOOLS.get(executing.tool_name)
    try:
        if tool is None:
            raise ToolError(f"no tool named {executing.tool_name!r}")
        results, success = tool.function(executing.parameters), True
    except ToolError as exc:
        results, success = {"error": str(exc)}, False
    return ToolCompleted(tool_name=executing.tool_name, results=results,
                         duration=round(time.perf_counter() - started, 6),
                         execution_id=executing.execution_id, success=success)
