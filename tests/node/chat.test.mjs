// The official openai Node SDK against `fakeopenai serve`, scripted over the control API.
// tests/test_node_client.py starts the server and runs `node --test chat.test.mjs` with
// OPENAI_BASE_URL and OPENAI_API_KEY pointing at it.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import OpenAI from "openai";

// --8<-- [start:control]
const control = new URL("/_fakeopenai/", process.env.OPENAI_BASE_URL);

async function fake(method, path, body) {
  const response = await fetch(new URL(path, control), {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  assert.equal(response.status, 200, JSON.stringify(answer));
  return answer;
}

const script = (...entries) => fake("POST", "scripts", { scripts: entries });
const calls = async () => (await fake("GET", "calls")).data;
const report = async () => (await fake("GET", "report")).report;

beforeEach(() => fake("POST", "reset"));
// --8<-- [end:control]

// --8<-- [start:chat]
test("a chat completion gets the scripted message", async () => {
  await script({ endpoint: "chat", message: "Hello from the fake!", model: "gpt-4o" });

  const client = new OpenAI(); // reads OPENAI_BASE_URL and OPENAI_API_KEY
  const completion = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Hello" }],
  });

  assert.equal(completion.choices[0].message.content, "Hello from the fake!");
  const [call] = await calls();
  assert.equal(call.operation, "chat.completions.create");
  assert.deepEqual(call.body.messages, [{ role: "user", content: "Hello" }]);
  assert.equal(call.answered_by, "script");
  assert.equal(await report(), null);
});
// --8<-- [end:chat]

// --8<-- [start:stream]
test("a streamed tool call arrives in argument fragments", async () => {
  await script({
    endpoint: "chat",
    tool_call: { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } },
  });

  const client = new OpenAI();
  const stream = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Weather in Paris?" }],
    tools: [
      {
        type: "function",
        function: {
          name: "get_weather",
          parameters: {
            type: "object",
            properties: { city: { type: "string" }, unit: { type: "string" } },
          },
        },
      },
    ],
    stream: true,
  });
  let name = "";
  const fragments = [];
  let finishReason = null;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    for (const call of choice?.delta.tool_calls ?? []) {
      name += call.function?.name ?? "";
      fragments.push(call.function?.arguments ?? "");
    }
    finishReason = choice?.finish_reason ?? finishReason;
  }

  assert.equal(name, "get_weather");
  assert.ok(fragments.filter(Boolean).length > 1, "the arguments come in several deltas");
  assert.deepEqual(JSON.parse(fragments.join("")), { city: "Paris", unit: "celsius" });
  assert.equal(finishReason, "tool_calls");
  assert.equal(await report(), null);
});
// --8<-- [end:stream]

// --8<-- [start:error]
test("a scripted 429 reaches the SDK as a RateLimitError", async () => {
  await script({ error: { status: 429, message: "Slow down.", headers: { "Retry-After": "0" } }, times: 1 });

  const client = new OpenAI({ maxRetries: 0 });
  await assert.rejects(
    client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] }),
    (error) => error instanceof OpenAI.RateLimitError && error.message.includes("Slow down."),
  );
  const [call] = await calls();
  assert.equal(call.status, 429);
});
// --8<-- [end:error]

// --8<-- [start:file]
test("answers from the --script file are there from the start", async () => {
  const client = new OpenAI({ maxRetries: 0 });
  const ask = (content) =>
    client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content }] });

  const answer = await ask("What is the capital of France?");
  const weather = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Weather in Paris?" }],
    tools: [{ type: "function", function: { name: "get_weather" } }],
  });

  assert.equal(answer.choices[0].message.content, "Paris.");
  const [call] = weather.choices[0].message.tool_calls;
  assert.deepEqual(JSON.parse(call.function.arguments), { city: "Paris" });
  await assert.rejects(ask("Are you overloaded?"), (error) => error.status === 503);
});
// --8<-- [end:file]

test("an invalid request shows in the report, until a reset", async () => {
  const client = new OpenAI({ maxRetries: 0 });
  await assert.rejects(
    client.chat.completions.create({ model: "gpt-4o", messages: [], temperature: 7 }),
    (error) => error instanceof OpenAI.BadRequestError,
  );

  assert.match(await report(), /Invalid requests/);
  assert.equal((await calls())[0].problems.length > 0, true);
  await fake("POST", "reset");
  assert.equal(await report(), null);
});
