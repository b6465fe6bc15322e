// The container harness's own logic that needs no container (booting one: systemd.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostDebianSource, librariesMissingIn } from "./nspawn.js";

describe("the container's Debian source", () => {
  const osRelease = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n';

  it("is the host's own release from a deb822 .sources file, comments and all", () => {
    const sources = [
      { name: "/etc/apt/sources.list.d/extra.sources", text: "Types: deb\nURIs: https://example.invalid/x\nSuites: nodistro\nComponents: main\n" },
      {
        name: "/etc/apt/sources.list.d/debian.sources",
        text: "Types: deb\n# a snapshot, commented out\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n" +
          "Components: main\n\nTypes: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\n",
      },
    ];
    assert.deepEqual(hostDebianSource({ osRelease, sources }), { suite: "bookworm", mirror: "http://mirror.invalid/debian" });
  });

  it("reads one-line sources.list entries with options, and skips disabled stanzas and deb-src", () => {
    const sources = [
      { name: "/etc/apt/sources.list.d/off.sources", text: "Enabled: no\nTypes: deb\nURIs: http://off.invalid/\nSuites: bookworm\n" },
      { name: "/etc/apt/sources.list", text: "# comment\ndeb-src http://src.invalid/debian bookworm main\n" +
        "deb [arch=amd64 signed-by=/k.gpg] http://one.invalid/debian bookworm main contrib\n" },
    ];
    assert.deepEqual(hostDebianSource({ osRelease, sources }), { suite: "bookworm", mirror: "http://one.invalid/debian" });
    assert.throws(() => hostDebianSource({ osRelease, sources: [] }), /no apt source for "bookworm"/);
    assert.throws(() => hostDebianSource({ osRelease: "ID=arch\n", sources }), /no VERSION_CODENAME/);
  });
});

describe("the libraries of the host's node", () => {
  it("are all found in a root that has them, and all listed for one that has none", (t) => {
    if (process.platform !== "linux") return t.skip("ldd is Linux's");
    assert.deepEqual(librariesMissingIn("/", process.execPath), []);
    const empty = mkdtempSync(join(tmpdir(), "p2pchat-noroot-"));
    t.after(() => rmSync(empty, { recursive: true, force: true }));
    const missing = librariesMissingIn(empty, process.execPath);
    assert.ok(missing.some((library) => /\/libc\.so\.6$/.test(library)), missing.join(" "));
    assert.ok(missing.every((library) => library.startsWith("/")));
  });
});
