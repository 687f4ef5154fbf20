"""Carriers that take the `openai` SDK's requests to the fake without the SDK's default transport.

`memory` hands requests straight to the fake's app with no socket at all; `sync_socket`, `async_socket` and
`asyncio_connection` are lean HTTP/1.1 clients for the fake's own server over a real socket.
"""
