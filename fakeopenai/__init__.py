"""fakeopenai: a fake OpenAI API for tests, served over real HTTP from the test process.

In pytest, take the `fake_openai` fixture; elsewhere, `with FakeOpenAI() as fake:`.
"""

from __future__ import annotations

from ._app.journal import Call, CallList
from ._app.views import ChatRequest, RequestView, ToolResult
from ._errors import ApiError, ConfigurationError, FakeOpenAIError, ServerError, UnmetExpectations
from ._fake import DEFAULT_API_KEY, FakeOpenAI
from ._recording.cassette import CassetteError, Redactor
from ._recording.tape import Cassette, RecordMode
from ._scripting.script import Fault, Match, Message, ToolCall
from ._scripting.vocabulary import Scripting, ScriptOptions
from ._transports.memory import MEMORY_BASE_URL
from ._validation.bodies import Problem

__all__ = [
    "DEFAULT_API_KEY",
    "MEMORY_BASE_URL",
    "ApiError",
    "Call",
    "CallList",
    "Cassette",
    "CassetteError",
    "ChatRequest",
    "ConfigurationError",
    "FakeOpenAI",
    "FakeOpenAIError",
    "Fault",
    "Match",
    "Message",
    "Problem",
    "RecordMode",
    "Redactor",
    "RequestView",
    "ScriptOptions",
    "Scripting",
    "ServerError",
    "ToolCall",
    "ToolResult",
    "UnmetExpectations",
]

for _name in __all__:
    _value = globals()[_name]
    # Tracebacks, reprs and docs then say `fakeopenai.FakeOpenAI`, not a private module. (Python 3.10 counts
    # `Callable[...]` aliases such as `Redactor` as types too: they come from elsewhere, and stay as they are.)
    if isinstance(_value, type) and _value.__module__.startswith(f"{__name__}."):
        _value.__module__ = __name__
del _name, _value
