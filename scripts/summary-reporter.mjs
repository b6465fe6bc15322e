// A node --test reporter beside the usual one: it collects every test's outcome and, at the end,
// writes one JSON object (counts, and each skip with its reason) to its destination, for
// scripts/run-tests.mjs to print as the run's last lines. A skip scrolled past in thousands of
// lines of output is a skip nobody reads; its reason ("needs root") is what says how to run it.
import { relative } from "node:path";

export default async function* summary(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  const skipped = [];
  const failed = [];
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { data } = event;
    if (data.details?.type === "suite") continue; // its tests are counted themselves
    const file = data.file ? relative(process.cwd(), data.file) : "?";
    if (data.skip !== undefined) {
      counts.skipped++;
      skipped.push({ file, name: data.name, reason: typeof data.skip === "string" ? data.skip : "no reason given" });
    } else if (data.todo !== undefined) counts.todo++;
    else if (event.type === "test:fail") {
      counts.failed++;
      failed.push({ file, name: data.name });
    } else counts.passed++;
  }
  yield JSON.stringify({ counts, skipped, failed }) + "\n";
}
