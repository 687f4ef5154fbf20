"""Cassettes: recorded answers replayed, or recorded through to the real API, with no secret on disk.

`tape` is the cassette as the fake uses it (record modes, replay, recording); `cassette` reads and writes
vcrpy's YAML format; `matching` finds a request's recording and explains misses; `credentials` keeps keys out of
cassettes, tracebacks and logs.
"""
