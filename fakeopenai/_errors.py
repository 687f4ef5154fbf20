"""Exceptions raised to the test, and the OpenAI-shaped errors sent to clients.

Exception tree::

    FakeOpenAIError
    ├── ConfigurationError      bad options, a taken port, an invalid script
    ├── ServerError             an exception raised inside the server thread
    ├── CassetteError           a cassette could not be read, or was refused on write (a secret in it)
    └── UnmetExpectations       teardown found invalid, unmatched or unused requests (an AssertionError)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field


class FakeOpenAIError(Exception):
    """Base class of every exception fakeopenai raises."""


class ConfigurationError(FakeOpenAIError):
    """The fake was configured or scripted in a way it cannot honour."""


class ServerError(FakeOpenAIError):
    """An exception was raised inside the server thread while answering a request."""


class UnmetExpectations(FakeOpenAIError, AssertionError):
    """A test ended with invalid or unmatched requests, or scripted answers left unused."""


@dataclass(frozen=True)
class ApiError:
    """An error answer as the OpenAI API sends it: a status, headers and an `error` body."""

    status: int
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, object]:
        """The JSON body, `{"error": {"message", "type", "param", "code"}}`."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def body_bytes(self) -> bytes:
        """The JSON body, encoded."""
        return json.dumps(self.body(), indent=2).encode() + b"\n"


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    409: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "requests",
    500: "server_error",
    502: "server_error",
    503: "server_error",
    504: "server_error",
}

_ERROR_MESSAGES = {
    400: "Bad request.",
    401: "Incorrect API key provided.",
    403: "You are not allowed to sample from this model.",
    404: "The requested resource does not exist.",
    409: "The request conflicts with the current state of the resource.",
    429: "Rate limit reached for requests. Please try again in 1s.",
    500: "The server had an error while processing your request. Sorry about that!",
    502: "Bad gateway.",
    503: "The engine is currently overloaded, please try again later.",
    504: "The server timed out while processing your request.",
}

_ERROR_CODES = {401: "invalid_api_key", 429: "rate_limit_exceeded"}

RATE_LIMIT_HEADERS = {
    "x-ratelimit-limit-requests": "500",
    "x-ratelimit-remaining-requests": "0",
    "x-ratelimit-reset-requests": "1s",
    "x-ratelimit-limit-tokens": "30000",
    "x-ratelimit-remaining-tokens": "0",
    "x-ratelimit-reset-tokens": "1s",
}
"""The headers a 429 carries unless the script says otherwise."""


def error_for_status(
    status: int,
    message: str | None = None,
    *,
    type: str | None = None,  # noqa: A002
    param: str | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> ApiError:
    """An `ApiError` for `status`, filling in the real API's usual type, code and text."""
    return ApiError(
        status=status,
        message=message if message is not None else _ERROR_MESSAGES.get(status, f"HTTP {status}."),
        type=type
        if type is not None
        else _ERROR_TYPES.get(status, "invalid_request_error" if status < 500 else "server_error"),
        param=param,
        code=code if code is not None else _ERROR_CODES.get(status),
        headers={**(RATE_LIMIT_HEADERS if status == 429 else {}), **(headers or {})},
    )
