// afterThisTurn (src/after-turn.ts): queueMicrotask's timing without its async-hooks resource.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { afterThisTurn } from "../src/after-turn.js";

describe("afterThisTurn", () => {
  it("runs a task once the running code is done, in order, before timers and I/O", async () => {
    const order: string[] = [];
    setImmediate(() => order.push("immediate"));
    afterThisTurn(() => order.push("first"));
    afterThisTurn(() => order.push("second"));
    order.push("now");
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(order, ["now", "first", "second", "immediate"]);
  });

  it("lets a task's exception reach the process as uncaught, and runs the next task", async () => {
    const listeners = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    try {
      const caught = new Promise<unknown>((resolve) => process.once("uncaughtException", resolve));
      let next = false;
      afterThisTurn(() => {
        throw new Error("task failed");
      });
      afterThisTurn(() => {
        next = true;
      });
      assert.equal(((await caught) as Error).message, "task failed");
      assert.equal(next, true);
    } finally {
      for (const listener of listeners) process.on("uncaughtException", listener);
    }
  });
});
