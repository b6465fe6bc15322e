// examples/echo-bot.mjs, run as a user would run it, on a LAN of network namespaces beside the
// reference peer: the example in the docs is kept working by CI.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { createLan, repoRoot, requireLan, requireRefpeer, type LanHost, type LanProcess } from "../lan/netns.js";
import { historyOf, httpUp, send } from "../lan/scenario.js";
import { waitFor } from "../support/wait.js";

const ECHO_BOT = path.join(repoRoot, "examples", "echo-bot.mjs");

function waitForOutput(process: LanProcess, pattern: RegExp, what: string, timeoutMs = 10_000): Promise<true> {
  return waitFor(() => pattern.test(process.output()), { timeoutMs, what: `${what}; its output so far:\n${process.output()}` });
}

test("the echo bot example joins the room and answers the reference peer's !echo", async (t) => {
  if (!requireLan(t) || !requireRefpeer(t)) return;
  const lan = await createLan({ hosts: 2 });
  t.after(() => lan.destroy());
  const [refHost, botHost] = lan.hosts as [LanHost, LanHost];

  lan.spawnRefpeer(refHost, { peerId: "ref" });
  await httpUp(lan, refHost);
  // Said before the bot is there: it arrives in the history merged on joining and stays unanswered.
  await send(lan, refHost, "!echo said before the bot came");

  // It imports "p2pchat" by name: the package resolves itself through package.json "exports".
  const bot = lan.spawn(botHost, process.execPath, [ECHO_BOT, "--peer-id", "echo-bot", "--broadcast", lan.broadcast], {
    name: "echo-bot",
  });
  await waitForOutput(bot, /echo-bot is in the room/, "the bot to start");
  await waitForOutput(bot, /peer ref \(.*\): connected both ways/, "the bot to connect to ref both ways");

  await send(lan, refHost, "just chatting");
  await send(lan, refHost, "!echo Dobrý den 🌍");
  const answer = await waitFor(async () => {
    const history = await historyOf(lan, refHost);
    return Object.values(history).find((m) => m.peer_id === "echo-bot");
  }, { timeoutMs: 10_000, what: "the bot's answer in ref's history" });
  assert.equal(answer.message, "ref said: Dobrý den 🌍");

  // One answer, to the one command said while it was there (the merged history had one too).
  await waitForOutput(bot, /answered ref: ref said: Dobrý den 🌍/, "the bot to report its answer");
  const fromBot = Object.values(await historyOf(lan, refHost)).filter((m) => m.peer_id === "echo-bot");
  assert.deepEqual(fromBot.map((m) => m.message), ["ref said: Dobrý den 🌍"]);

  bot.kill("SIGTERM");
  assert.deepEqual(await bot.exited, { code: 0, signal: null }, "SIGTERM stops the bot cleanly");
});
