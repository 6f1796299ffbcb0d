"""The agent: providers behind one interface (``base.AgentProvider``) and the tools they call."""

from __future__ import annotations

from reference_app.agent.base import AgentProvider
from reference_app.settings import Settings


def create_provider(settings: Settings) -> AgentProvider:
    """The provider ``settings.agent_provider`` names: ``scripted`` (default) or ``openai``."""
    if settings.agent_provider == "openai":
        from reference_app.agent.openai_provider import OpenAIAgent

        return OpenAIAgent(base_url=settings.openai_base_url, api_key=settings.openai_api_key,
                           model=settings.openai_model, timeout_seconds=settings.openai_timeout_seconds,
                           max_rounds=settings.openai_max_rounds)
    from reference_app.agent.scripted import ScriptedAgent

    return ScriptedAgent(delta_seconds=settings.scripted_delta_seconds,
                         slow_tool_seconds=settings.scripted_slow_tool_seconds)
