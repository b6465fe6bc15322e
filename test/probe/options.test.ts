import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseProbeArgs, ProbeUsageError } from "../../src/probe/options.js";

describe("p2pchat probe's command line", () => {
  it("has defaults for everything but the host", () => {
    const parsed = parseProbeArgs(["198.18.0.2"]);
    assert.equal(parsed.help, false);
    if (parsed.help) return;
    const { options, json } = parsed;
    assert.equal(json, false);
    assert.equal(options.host, "198.18.0.2");
    assert.equal(options.port, 9876);
    assert.equal(options.http.href, "http://198.18.0.2:8000/");
    assert.equal(options.bindAddress, "0.0.0.0");
    assert.equal(options.timeoutMs, 3000);
    assert.equal(options.stress, false);
    assert.match(options.peerId, /^probe-[0-9a-f]{6}$/);
  });

  it("takes every flag, also as --flag=value", () => {
    const parsed = parseProbeArgs(["--json", "--stress", "peer.local", "--port=9000", "--http", "http://127.0.0.1:8080",
      "--timeout", "0.5", "--bind", "127.0.0.2", "--peer-id", "checker"]);
    assert.ok(!parsed.help);
    if (parsed.help) return;
    assert.equal(parsed.json, true);
    assert.deepEqual({ ...parsed.options, http: parsed.options.http.href }, {
      host: "peer.local", port: 9000, http: "http://127.0.0.1:8080/", bindAddress: "127.0.0.2",
      timeoutMs: 500, stress: true, peerId: "checker",
    });
  });

  it("says what is wrong with a bad command line", () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /give its HOST/],
      [["a", "b"], /one HOST only/],
      [["a", "--port", "0"], /--port "0": expected an integer from 1 to 65535/],
      [["a", "--port", "x"], /--port "x"/],
      [["a", "--timeout", "0"], /--timeout "0": expected seconds/],
      [["a", "--bind", "::1"], /--bind "::1": expected an IPv4 address/],
      [["a", "--http", "not a url"], /--http "not a url": expected a URL/],
      [["a", "--http", "https://x"], /only http:\/\//],
      [["a", "--peer-id", ""], /--peer-id ""/],
      [["a", "--frobnicate"], /Unknown option '--frobnicate'/],
    ];
    for (const [argv, why] of cases) {
      assert.throws(() => parseProbeArgs(argv), (err: unknown) => err instanceof ProbeUsageError && why.test(err.message),
        argv.join(" "));
    }
  });

  it("has --help", () => {
    assert.deepEqual(parseProbeArgs(["--help"]), { help: true });
    assert.deepEqual(parseProbeArgs(["-h"]), { help: true });
  });
});
