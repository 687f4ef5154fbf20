"""The request path: everything between a parsed HTTP request and the answer the client sees.

`app` routes, authenticates, checks the Host, parses, validates, logs and answers each request; `routing` finds
the route; `incoming` is one request whatever carried it; `hosts` is the DNS-rebinding defence; `strict_json`
and `multipart` parse bodies; `state` holds what a fake keeps between requests; `journal` logs every call;
`views` gives typed views of request bodies; `responses` is what an endpoint answers and its rendering;
`delivery` is how an answer travels (latency, pacing, faults); `report` words what went wrong in a test.
"""
