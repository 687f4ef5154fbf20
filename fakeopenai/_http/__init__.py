"""The socket layer: a lean, threaded HTTP/1.1 server on loopback that knows nothing of OpenAI.

`server` accepts connections, reads request heads and bodies with every read bounded, and hands each request to
a responder (the fake's app, `App.respond_from_network`); `chunked` decodes chunked request bodies.
"""
