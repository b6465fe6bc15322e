import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { queryParam } from "../../src/http/api.js";
import type { ChatNode } from "../../src/node.js";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { startLoopbackNode } from "../support/loopback-node.js";

describe("HTTP API", () => {
  let node: ChatNode;
  let base: string;
  before(async () => {
    const [host] = loopbackHosts(1) as [string];
    ({ node, httpBase: base } = await startLoopbackNode(host, { peerId: "http-node", port: await freePort() }));
  });
  after(() => node.stop());

  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(base + path, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
  };

  it("GET /send stores URL-encoded UTF-8 as our own and GET /messages lists oldest first", async () => {
    assert.deepEqual((await get(`/send?message=${encodeURIComponent("Žluťoučký kůň 🐴 <b>&amp;")}`)).body, { status: "ok" });
    assert.deepEqual((await get("/send?message=second+one")).body, { status: "ok" });
    const { status, body, headers } = await get("/messages");
    assert.equal(status, 200);
    assert.match(headers.get("content-type") ?? "", /application\/json/);
    const entries = Object.entries(body);
    assert.deepEqual(entries.map(([, m]) => m), [
      { peer_id: "http-node", message: "Žluťoučký kůň 🐴 <b>&amp;" },
      { peer_id: "http-node", message: "second one" },
    ]);
    const [first, second] = entries.map(([id]) => id) as [string, string];
    assert.match(first, /^\d{13,}$/);
    assert.ok(BigInt(second) > BigInt(first));
  });

  it("answers a missing, empty or badly encoded message with 400 and stores nothing", async () => {
    const before = node.history.size;
    for (const path of ["/send", "/send?message=", "/send?text=hi", "/send?message=%FF%FE", "/send?message=%E0%A4%A"]) {
      const { status, body } = await get(path);
      assert.equal(status, 400, path);
      assert.equal(body.status, "error");
      assert.equal(typeof body.message, "string");
    }
    assert.equal(node.history.size, before);
  });

  it("answers unknown paths with 404 and other methods with 405", async () => {
    assert.equal((await get("/nope")).status, 404);
    const wrong = await get("/messages", { method: "DELETE" });
    assert.equal(wrong.status, 405);
    assert.match(wrong.headers.get("allow") ?? "", /GET/);
  });
});

describe("queryParam", () => {
  it("decodes strictly", () => {
    assert.equal(queryParam("?message=a%20b+c", "message"), "a b c");
    assert.equal(queryParam("?x=1&message=%C4%8Dau", "message"), "čau");
    assert.equal(queryParam("?message", "message"), "");
    assert.equal(queryParam("?other=1", "message"), undefined);
    assert.equal(queryParam("?message=%C4", "message"), null);
  });
});
