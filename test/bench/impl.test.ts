import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { mainPath } from "../../bench/impl.js";

describe("the p2pchat build the benchmark runs", () => {
  it("takes BENCH_P2PCHAT_MAIN as a path from where the benchmark was started", () => {
    // The peers start in their LAN's artifacts directory: a relative path must not reach them as such.
    assert.equal(mainPath("other/dist/src/cli/main.js"), path.join(process.cwd(), "other/dist/src/cli/main.js"));
    assert.equal(mainPath("/elsewhere/main.js"), "/elsewhere/main.js");
  });

  it("is this build's without it", () => {
    const own = mainPath(undefined);
    assert.ok(path.isAbsolute(own));
    assert.match(own, /dist\/src\/cli\/main\.js$/);
    assert.equal(mainPath(""), own);
  });
});
