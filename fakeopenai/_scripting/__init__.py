"""Scripted answers: what a test says the model answers, and which requests each answer matches.

`script` holds the answers (`Message`, `ToolCall`, `Fault`) and the ordered entries that match requests;
`vocabulary` is `Scripting`, the `respond_with_…` and `calls` vocabulary of `FakeOpenAI` and of its namespaces
(`fake.chat`, …); `files` reads scripts written as data (`fakeopenai serve --script`, `POST /_fakeopenai/scripts`).
"""
