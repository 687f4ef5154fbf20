"""Set-up shared by every test module."""

# pytester's in-process runs forget the modules first imported during them. Import the SDK and its HTTP
# stacks up front (httpx2 imports httpcore2 lazily, httpx imports httpcore lazily) so that each stays one
# module for the whole session: httpx maps the httpcore exceptions it knows by their classes.
import httpcore  # noqa: F401
import httpcore2  # noqa: F401
import openai  # noqa: F401
