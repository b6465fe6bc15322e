import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkHistoryPayload, History } from "../../src/history/history.js";
import { compareMessageIds, normalizeMessageId } from "../../src/protocol/message-id.js";

const id = (n: number) => String(1_700_000_000_000 + n);

describe("History", () => {
  it("keeps a message once, and an id once: the first one wins, another message under it is a clash", () => {
    const history = new History(100);
    assert.equal(history.add(id(1), { peer_id: "a", message: "first" }), "added");
    assert.equal(history.add(id(1), { peer_id: "a", message: "first" }), "duplicate");
    assert.equal(history.add(id(1), { peer_id: "relay", message: "first" }), "duplicate", "a relayed copy, stored under the relay by some peers");
    assert.equal(history.add(id(1), { peer_id: "a", message: "second" }), "clash");
    assert.equal(history.add(id(1), { peer_id: "b", message: "other" }), "clash");
    assert.equal(history.holds(id(1), { peer_id: "a", message: "first" }), "duplicate");
    assert.equal(history.holds(id(2), { peer_id: "a", message: "first" }), undefined);
    assert.deepEqual(history.get(id(1)), { peer_id: "a", message: "first" });
    assert.equal(history.size, 1);
  });

  it("lists oldest first whatever the arrival order, and JSON keeps that order", () => {
    const history = new History(100);
    for (const n of [5, 1, 3, 2, 4]) history.add(id(n), { peer_id: "a", message: `m${n}` });
    assert.deepEqual(Object.keys(history.toJSON()), [1, 2, 3, 4, 5].map(id));
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(history.toJSON()))), [1, 2, 3, 4, 5].map(id));
  });

  it("takes a new limit while running: a smaller one drops the oldest at once", () => {
    const history = new History(5);
    for (const n of [1, 2, 3, 4, 5]) history.add(id(n), { peer_id: "a", message: "x" });
    history.setLimit(2);
    assert.equal(history.limit, 2);
    assert.deepEqual(history.list().map((m) => m.id), [4, 5].map(id));
    assert.equal(history.has(id(1)), false);
    history.setLimit(3);
    history.add(id(3), { peer_id: "a", message: "back" });
    assert.deepEqual(history.list().map((m) => m.id), [3, 4, 5].map(id));
    assert.throws(() => history.setLimit(0), RangeError);
  });

  it("keeps only the newest `limit` messages by id and refuses older ones when full", () => {
    const history = new History(3);
    for (const n of [1, 2, 3, 4]) history.add(id(n), { peer_id: "a", message: "x" });
    assert.deepEqual(history.list().map((m) => m.id), [2, 3, 4].map(id));
    assert.equal(history.add(id(0), { peer_id: "a", message: "old" }), "too-old");
    assert.equal(history.add(id(3) + "", { peer_id: "a", message: "x" }), "duplicate");
    history.add(id(10), { peer_id: "a", message: "new" });
    assert.deepEqual(history.list().map((m) => m.id), [3, 4, 10].map(id));
  });

  it("is fair when full: a flood pushes out the flooder's own oldest, not the others' messages", () => {
    const history = new History(10);
    for (const [n, who] of [[1, "anna"], [2, "ben"], [3, "cyril"]] as const) history.add(id(n), { peer_id: who, message: "hi" });
    for (let n = 100; n < 10_100; n++) history.add(id(n), { peer_id: "flood", message: `flood ${n}` });
    assert.deepEqual([...history.shares()].sort(), [["anna", 1], ["ben", 1], ["cyril", 1], ["flood", 7]]);
    assert.deepEqual(history.list().slice(0, 3).map((m) => m.peer_id), ["anna", "ben", "cyril"]);
    assert.equal(history.list().at(-1)?.message, "flood 10099", "the flooder keeps its newest");
  });

  it("is fair per delivering host too: one address claiming many authors pushes out only its own", () => {
    const history = new History(10);
    for (const [n, who, host] of [[1, "anna", "198.18.0.1"], [2, "ben", "198.18.0.2"], [3, "cyril", "198.18.0.3"]] as const) {
      history.add(id(n), { peer_id: who, message: "hi" }, host);
    }
    // 1,000 messages from one host, each under a different made-up author.
    for (let n = 100; n < 1_100; n++) history.add(id(n), { peer_id: `claimed-${n}`, message: "flood" }, "198.18.0.66");
    assert.deepEqual(history.list().slice(0, 3).map((m) => m.peer_id), ["anna", "ben", "cyril"]);
    assert.equal(history.size, 10);
    assert.equal(history.list().at(-1)?.peer_id, "claimed-1099", "the flooding host keeps its newest");
  });

  it("between hosts that hold as many, the one whose oldest is older gives up, as it is after earlier evictions", () => {
    // Each host's oldest is kept beside its share; an eviction that took it must not leave it there.
    const history = new History(4);
    const from = (n: number, host: string) => history.add(id(n), { peer_id: host, message: `m${n}` }, host);
    from(10, "198.18.0.2");
    from(25, "198.18.0.3");
    from(30, "198.18.0.3");
    from(40, "198.18.0.2");
    from(45, "198.18.0.2"); // .2 holds the most with it: its oldest, 10, goes; its oldest is now 40
    assert.equal(history.has(id(10)), false);
    from(50, "198.18.0.4"); // .2 and .3 hold two each: .3's oldest (25) is older than .2's (40)
    assert.deepEqual(history.list().map((m) => m.id), [30, 40, 45, 50].map(id));
    from(5, "198.18.0.3"); // older than everything .3 holds, and .3 would give it up first: too old
    assert.equal(history.has(id(5)), false);
    from(42, "198.18.0.3"); // .3 holds two with it, as .2 does: .3's oldest is now 30, older than 40
    assert.deepEqual(history.list().map((m) => m.id), [40, 42, 45, 50].map(id));
  });

  it("takes a message from a clock behind while its author holds less than others, and refuses it as too old after", () => {
    const history = new History(4);
    for (const n of [10, 11, 12, 13]) history.add(id(n), { peer_id: "busy", message: "now" });
    assert.equal(history.add(id(1), { peer_id: "late", message: "an hour behind" }), "added");
    assert.deepEqual(history.list().map((m) => m.id), [1, 11, 12, 13].map(id));
    history.add(id(2), { peer_id: "late", message: "again" });
    assert.deepEqual([...history.shares()].sort(), [["busy", 2], ["late", 2]]);
    // Equal shares: the older of the two oldest goes, so "late" would give up its own: too old.
    assert.equal(history.add(id(0), { peer_id: "late", message: "older still" }), "too-old");
  });

  it("in a room that takes turns, keeps the newest by id, as docs/protocol.md §3 says", () => {
    const history = new History(6);
    const authors = ["a", "b", "c"];
    for (let n = 0; n < 30; n++) history.add(id(n), { peer_id: authors[n % 3] as string, message: `m${n}` });
    assert.deepEqual(history.list().map((m) => m.id), [24, 25, 26, 27, 28, 29].map(id));
  });

  it("says which host delivered each message, in list() and the message event but not in toJSON()", () => {
    const history = new History(10);
    const events: unknown[] = [];
    history.on("message", (m) => events.push(m));
    history.add(id(1), { peer_id: "a", message: "hi" }, "198.18.0.7");
    history.addOwn("me", "mine");
    assert.equal(history.list()[0]?.via, "198.18.0.7");
    assert.equal(history.list()[1]?.via, undefined);
    assert.deepEqual(events[0], { id: id(1), peer_id: "a", message: "hi", via: "198.18.0.7" });
    assert.deepEqual(Object.values(history.toJSON())[0], { peer_id: "a", message: "hi" });
  });

  it("gives our own new message an id after our own newest, even when the clock stepped back", () => {
    let now = 1_707_243_010_000;
    const history = new History(3, () => now);
    history.add(String(now + 60_000), { peer_id: "me", message: "from a clock a minute ahead" });
    for (const n of [1, 2]) history.add(String(now - n), { peer_id: "other", message: "x" });
    const own = history.addOwn("me", "now");
    assert.equal(own.id, String(now + 60_001));
    assert.ok(history.has(own.id), "kept, not the one to go");
    now += 1;
    assert.equal(history.addOwn("me", "next").id, String(now + 60_001));
  });

  it("follows our own newest whichever host delivered it, and counts an author's share over all hosts", () => {
    const now = 1_707_243_010_000;
    const history = new History(10, () => now);
    // Ours from before a restart, as two peers' hello replies brought them back, and one of the history file's.
    history.add(String(now + 5_000), { peer_id: "me", message: "via one peer" }, "198.18.0.7");
    history.add(String(now + 9_000), { peer_id: "me", message: "via another" }, "198.18.0.8");
    history.add(String(now + 1_000), { peer_id: "me", message: "from the file" });
    history.add(String(now + 2_000), { peer_id: "other", message: "theirs" }, "198.18.0.7");
    assert.equal(history.addOwn("me", "now").id, String(now + 9_001));
    assert.deepEqual([...history.shares()].sort(), [["me", 4], ["other", 1]]);
  });

  it("orders ids numerically, also across lengths", () => {
    const history = new History(10);
    history.add("10000000000000", { peer_id: "a", message: "14 digits" });
    history.add("9999999999999", { peer_id: "a", message: "13 digits" });
    assert.deepEqual(history.list().map((m) => m.message), ["13 digits", "14 digits"]);
    assert.ok(compareMessageIds("0009999999999999", "10000000000000") < 0);
  });

  it("gives own messages strictly increasing ids, also within one millisecond", () => {
    const history = new History(100, () => 1_707_243_010_934);
    const ids = Array.from({ length: 5 }, () => history.addOwn("me", "hi").id);
    assert.deepEqual(ids, ["1707243010934", "1707243010935", "1707243010936", "1707243010937", "1707243010938"]);
  });

  it("never reuses an id another peer's message already has", () => {
    const history = new History(100, () => 1_707_243_010_934);
    history.add("1707243010934", { peer_id: "other", message: "theirs" });
    const own = history.addOwn("me", "mine");
    assert.equal(own.id, "1707243010935");
    assert.equal(history.get("1707243010934")?.message, "theirs");
  });

  it("emits each new message once", () => {
    const history = new History(100);
    const seen: string[] = [];
    history.on("message", (m) => seen.push(m.id));
    history.add(id(1), { peer_id: "a", message: "x" });
    history.add(id(1), { peer_id: "a", message: "x" });
    assert.deepEqual(seen, [id(1)]);
  });
});

describe("message ids on the wire", () => {
  it("accepts 13+ digit strings and exact JSON numbers, nothing else", () => {
    assert.equal(normalizeMessageId("1707243010934"), "1707243010934");
    assert.equal(normalizeMessageId(1707243010934), "1707243010934");
    for (const bad of ["170724301093", "17072430109x4", "", " 1707243010934", 1.5, -1707243010934, 2 ** 60, null, true]) {
      assert.equal(normalizeMessageId(bad), undefined, `rejects ${JSON.stringify(bad)}`);
    }
  });
});

describe("checkHistoryPayload", () => {
  it("keeps the valid entries of a history and names the invalid ones", () => {
    const checked = checkHistoryPayload({
      [id(1)]: { peer_id: "a", message: "ok &lt;b&gt;" },
      "12345": { peer_id: "a", message: "short id" },
      [id(2)]: { peer_id: 7, message: "bad peer" },
      [id(3)]: "not an entry",
      [id(4)]: { peer_id: "b", message: "fine", extra: true },
    });
    assert.deepEqual(checked.valid, [
      [id(1), { peer_id: "a", message: "ok &lt;b&gt;" }],
      [id(4), { peer_id: "b", message: "fine" }],
    ]);
    assert.equal(checked.invalid.length, 3);
  });

  it("gives ids in canonical form, so 0N in one peer's history and N in another's are one message", () => {
    const checked = checkHistoryPayload({
      "0001707243010934": { peer_id: "a", message: "padded" },
      "0000000000042": { peer_id: "a", message: "13 digits, small value" },
    });
    assert.deepEqual(checked.valid.map(([key]) => key), ["1707243010934", "0000000000042"]);
    const history = new History(100);
    for (const [key, entry] of checked.valid) history.add(key, entry);
    for (const [key, entry] of checkHistoryPayload({ "1707243010934": { peer_id: "a", message: "padded" } }).valid) {
      assert.equal(history.add(key, entry), "duplicate");
    }
    assert.equal(history.get("1707243010934")?.message, "padded");
  });

  it("treats a missing history as empty and a non-object as invalid", () => {
    assert.deepEqual(checkHistoryPayload(undefined), { valid: [], invalid: [], invalidCount: 0, unexamined: 0 });
    assert.equal(checkHistoryPayload([1, 2]).invalid.length, 1);
  });

  it("looks at no more than maxEntries entries, and keeps at most 100 reasons", () => {
    const raw = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [String(i), 0]));
    const checked = checkHistoryPayload(raw, Infinity, 1_000);
    assert.equal(checked.invalidCount, 1_000);
    assert.equal(checked.unexamined, 4_000);
    assert.equal(checked.invalid.length, 100);
  });
});
