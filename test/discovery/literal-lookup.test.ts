import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lookupLiteral } from "../../src/discovery/literal-lookup.js";

type Result = { err: NodeJS.ErrnoException | null; address: string; family: number };

describe("lookupLiteral: the discovery socket's lookup", () => {
  it("gives an IPv4 address back within the call, with no turn of the loop", () => {
    let result: Result | undefined;
    lookupLiteral("198.18.0.7", { family: 4 }, (err, address, family) => (result = { err, address, family }));
    assert.deepEqual(result, { err: null, address: "198.18.0.7", family: 4 });
  });

  // localhost comes from /etc/hosts: the test asks no name server.
  it("looks a host name up as dns.lookup() does, later", async () => {
    let calledBack = false;
    const result = await new Promise<Result>((resolve) => {
      lookupLiteral("localhost", { family: 4 }, (err, address, family) => {
        calledBack = true;
        resolve({ err, address, family });
      });
      assert.equal(calledBack, false);
    });
    assert.equal(result.err, null);
    assert.equal(result.family, 4);
    assert.match(result.address, /^127\./);
  });
});
