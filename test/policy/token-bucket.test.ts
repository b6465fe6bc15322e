import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TokenBucket, TokenBuckets } from "../../src/policy/token-bucket.js";

describe("TokenBucket", () => {
  it("gives a burst of capacity at once, then refills at the rate, never above capacity", () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 30, refillPerSecond: 5, now: () => now });
    for (let i = 0; i < 30; i++) assert.ok(bucket.take(), `token ${i}`);
    assert.equal(bucket.take(), false);
    assert.equal(bucket.secondsUntilNext, 1);
    now += 200;
    assert.ok(bucket.take(), "one token after 1/5 s");
    assert.equal(bucket.take(), false);
    now += 3_600_000;
    assert.ok(bucket.full);
    let taken = 0;
    while (bucket.take()) taken++;
    assert.equal(taken, 30);
  });

  it("refuses nonsense options", () => {
    assert.throws(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 }), RangeError);
    assert.throws(() => new TokenBucket({ capacity: 1, refillPerSecond: 0 }), RangeError);
  });

  it("takes a new capacity at once when reconfigured, keeping no more than it", () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 1, now: () => now });
    bucket.reconfigure({ capacity: 2, refillPerSecond: 1 });
    assert.ok(bucket.take() && bucket.take());
    assert.equal(bucket.take(), false);
  });
});

describe("TokenBuckets", () => {
  it("keeps one bucket per key, past maxKeys too, and reconfigures them all", () => {
    let now = 0;
    const buckets = new TokenBuckets({ capacity: 2, refillPerSecond: 1, now: () => now }, 2);
    assert.ok(buckets.take("a") && buckets.take("a"));
    assert.equal(buckets.take("a"), false, "a's bucket is empty");
    assert.ok(buckets.take("b"), "b has its own");
    now += 10_000; // both full again
    assert.ok(buckets.take("c"), "a third key beyond maxKeys still gets a full bucket");
    buckets.reconfigure({ capacity: 1, refillPerSecond: 1 });
    assert.ok(buckets.take("c"), "c kept its one remaining token");
    assert.equal(buckets.take("c"), false, "and no more than the new capacity");
    assert.ok(buckets.take("d"));
    assert.equal(buckets.take("d"), false, "a new key gets the new capacity");
  });
});
