import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import type { AddressInfo } from "node:net";
import { History } from "../../src/history/history.js";
import { createHttpApi } from "../../src/http/api.js";
import { queryParam } from "../../src/http/io.js";
import { createLogger } from "../../src/log/logger.js";
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

  it("GET /send carries a message up to max_message_bytes, percent-encoded, and answers 413 beyond it", async () => {
    const before = node.history.size;
    // 64 KiB of 2-byte characters, each percent-encoded as 6 URL bytes: a 196 KB request line.
    const longest = "ř".repeat(32 * 1024);
    assert.deepEqual((await get(`/send?message=${encodeURIComponent(longest)}`)).body, { status: "ok" });
    assert.equal(Object.values(node.history.toJSON()).at(-1)?.message, longest);
    const tooLong = await get(`/send?message=${"x".repeat(64 * 1024 + 1)}`);
    assert.equal(tooLong.status, 413);
    assert.match(String(tooLong.body.message), /^E_MESSAGE_TOO_LARGE/);
    const form = await get("/send", { method: "POST", body: new URLSearchParams({ message: "x".repeat(64 * 1024 + 1) }) });
    assert.equal(form.status, 413);
    assert.match(String(form.body.message), /^E_MESSAGE_TOO_LARGE/);
    assert.equal((await get("/send", { method: "POST", body: new URLSearchParams({ message: "x".repeat(64 * 1024) }) })).status, 200);
    assert.equal(node.history.size, before + 2);
  });

  it("answers a request target that is not a path with 400, and goes on", async () => {
    const { connect } = await import("node:net");
    const { hostname, port } = new URL(base);
    for (const target of ["//", "//x:99999", "//[::1"]) {
      const status = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), hostname, () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`));
        socket.on("data", (data) => {
          resolve(String(data).split("\r\n")[0] ?? "");
          socket.destroy();
        });
        socket.on("error", () => resolve("error"));
        socket.on("close", () => resolve("closed"));
      });
      assert.equal(status, "HTTP/1.1 400 Bad Request", target);
    }
    assert.equal((await fetch(`${base}/messages`)).status, 200);
  });

  it("still answers 431 for a request line far beyond any message", async () => {
    assert.equal((await fetch(`${base}/send?message=${"x".repeat(400 * 1024)}`)).status, 431);
  });

  it("answers unknown paths with 404 and other methods with 405", async () => {
    assert.equal((await get("/nope")).status, 404);
    const wrong = await get("/messages", { method: "DELETE" });
    assert.equal(wrong.status, 405);
    assert.match(wrong.headers.get("allow") ?? "", /GET/);
    assert.equal((await get("/messages", { method: "POST" })).status, 405);
  });

  it("POST /send takes a JSON body, a form body or the query, and answers with the new id", async () => {
    const bodies: Array<[RequestInit, string]> = [
      [{ headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message: "json ✓" }) }, "json ✓"],
      [{ headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "message=form+%C5%BE" }, "form ž"],
      [{ body: new URLSearchParams({ message: "fetch form" }) }, "fetch form"],
    ];
    for (const [init, text] of bodies) {
      const { status, body } = await get("/send", { method: "POST", ...init });
      assert.equal(status, 200, text);
      assert.equal(body.status, "ok");
      assert.deepEqual(node.history.get(String(body.message_id)), { peer_id: "http-node", message: text });
    }
    const query = await get(`/send?message=${encodeURIComponent("via query")}`, { method: "POST" });
    assert.equal(node.history.get(String(query.body.message_id))?.message, "via query");
  });

  it("POST /send refuses bad bodies with 400 or 413 and stores nothing", async () => {
    const before = node.history.size;
    const cases: Array<[RequestInit, number]> = [
      [{ headers: { "Content-Type": "application/json" }, body: "{not json" }, 400],
      [{ headers: { "Content-Type": "application/json" }, body: '{"message": 42}' }, 400],
      [{ headers: { "Content-Type": "application/json" }, body: '{"message": ""}' }, 400],
      [{ headers: { "Content-Type": "application/json" }, body: '["message"]' }, 400],
      [{ headers: { "Content-Type": "application/json" }, body: "{}" }, 400],
      [{ headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "message=%FF" }, 400],
      [{ headers: { "Content-Type": "application/octet-stream" }, body: "message=x" }, 400],
      [{ headers: { "Content-Type": "text/plain" }, body: Buffer.from([0x6d, 0x3d, 0xff]) }, 400],
      [{ headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message: "x".repeat(2 * 1024 * 1024) }) }, 413],
    ];
    for (const [init, expected] of cases) {
      const { status, body } = await get("/send", { method: "POST", ...init });
      assert.equal(status, expected, String(init.body).slice(0, 40));
      assert.equal(body.status, "error");
    }
    assert.equal(node.history.size, before);
  });

  it("refuses /send from another site's page with 403, and lets curl and our own page through", async () => {
    const before = node.history.size;
    const own = new URL(base).origin;
    const refused: Array<Record<string, string>> = [
      { "Sec-Fetch-Site": "cross-site" },
      { "Sec-Fetch-Site": "same-site" },
      { Origin: "http://evil.example" },
      { Origin: "null" },
      { Origin: own.replace(/:\d+$/, ":1") },
    ];
    for (const headers of refused) {
      for (const method of ["GET", "POST"]) {
        const { status, body } = await get("/send?message=forged", { method, headers });
        assert.equal(status, 403, `${method} ${JSON.stringify(headers)}`);
        assert.match(String(body.message), /^E_(CROSS_SITE|FORBIDDEN_HOST)/);
      }
    }
    // A page of a site whose DNS name was rebound to us: fetch cannot set Host, node:http can.
    for (const hostHeader of ["attacker.example:8000", "attacker.example"]) {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const url = new URL(`${base}/send?message=rebound`);
        request({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { Host: hostHeader } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        }).on("error", reject).end();
      });
      assert.equal(status, 403, hostHeader);
    }
    assert.equal(node.history.size, before);
    assert.equal((await get("/send?message=curl")).status, 200);
    assert.equal((await get("/send?message=page", { headers: { Origin: own, "Sec-Fetch-Site": "same-origin" } })).status, 200);
    // Reading is not state-changing: another site may not read it (no CORS), but it is not refused.
    assert.equal((await get("/messages", { headers: { "Sec-Fetch-Site": "cross-site" } })).status, 200);
  });
});

describe("HTTP API: a handler that fails", () => {
  it("costs its request a 500, is logged, and the server goes on, thrown or rejected", async () => {
    const lines: string[] = [];
    const server = createHttpApi({
      history: new History(100),
      logger: createLogger({ level: "warn", write: (line) => lines.push(line) }),
      send: () => {
        throw new Error("not sent");
      },
      maxMessageBytes: () => 1024,
    }, {
      "/thrown": { GET: () => { throw new Error("thrown at once"); } },
      "/rejected": { GET: async () => { throw new Error("rejected later"); } },
    });
    server.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const answer = async (path: string) => {
        const response = await fetch(base + path);
        return { status: response.status, body: await response.json() as Record<string, unknown> };
      };
      assert.deepEqual(await answer("/thrown"), { status: 500, body: { status: "error", message: "E_INTERNAL: the request could not be handled" } });
      assert.deepEqual(await answer("/rejected"), { status: 500, body: { status: "error", message: "internal error" } });
      assert.deepEqual(await answer("/send?message=hi"), { status: 500, body: { status: "error", message: "E_INTERNAL: the request could not be handled" } });
      assert.equal((await answer("/messages")).status, 200, "and the server goes on");
      assert.ok(lines.some((line) => line.includes("thrown at once")), lines.join("\n"));
      assert.ok(lines.some((line) => line.includes("rejected later")), lines.join("\n"));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
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
