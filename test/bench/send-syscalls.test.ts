import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sendPhases, sendsFromPerfScript, writeTimes } from "../../bench/send-syscalls.js";

/** One line as `perf script -F tid,time,event,trace` prints it; `at` in µs. */
function call(tid: number, at: number, event: string, args: string): string {
  return `${String(tid).padStart(6)} ${(at / 1e6).toFixed(6)}: syscalls:${event}: ${args}`;
}
const fd = (n: number) => `fd: 0x${n.toString(16).padStart(8, "0")}, buf: 0x1, count: 0x68`;

/** A /send on thread `tid` from `at`: accept (new fd 0x27), read, two frames, the answer. */
function send(tid: number, at: number, frameGapUs: number): string[] {
  return [
    call(tid, at, "sys_enter_accept4", "fd: 0x00000013, upeer_sockaddr: 0x0, upeer_addrlen: 0x0, flags: 0x80800"),
    call(tid, at + 5, "sys_exit_accept4", "0x27"),
    call(tid, at + 80, "sys_enter_read", fd(0x27)),
    call(tid, at + 150, "sys_enter_write", fd(0x18)),
    call(tid, at + 160, "sys_exit_write", "0x68"),
    call(tid, at + 160 + frameGapUs, "sys_enter_write", fd(0x19)),
    call(tid, at + 170 + frameGapUs, "sys_exit_write", "0x68"),
    call(tid, at + 250 + frameGapUs, "sys_enter_writev", "fd: 0x00000027, vec: 0x1, vlen: 0x2"),
  ];
}

describe("a /send's system calls", () => {
  it("reads each /send of each thread: accept, the request, its frames, the answer", () => {
    const text = [
      ...send(100, 1_000_000, 2),
      // Another peer's thread, interleaved in time; then a peer's TCP connection accepted, which
      // reads no request and answers nothing, and an ack written on it.
      ...send(200, 1_000_050, 40),
      call(100, 1_100_000, "sys_exit_accept4", "0x28"),
      call(100, 1_100_010, "sys_enter_write", fd(0x28)),
      ...send(100, 1_200_000, 2),
    ].join("\n");
    const sends = sendsFromPerfScript(text, 2);
    assert.deepEqual(sends.map((s) => [s.accepted, s.requestRead, s.frames, s.answered]), [
      [1_000_005, 1_000_080, [1_000_150, 1_000_162], 1_000_252],
      [1_000_055, 1_000_130, [1_000_200, 1_000_250], 1_000_340],
      [1_200_005, 1_200_080, [1_200_150, 1_200_162], 1_200_252],
    ]);
    assert.deepEqual(sendsFromPerfScript(text, 3), [], "a send needs as many frames as there are others");
    const phases = sendPhases(sends);
    assert.deepEqual([phases.sends, phases.acceptToRead, phases.firstToLastFrame, phases.lastFrameToAnswer], [3, [75, 75], [12, 50], [90, 90]]);
  });

  it("times each write, and the gaps between one write's end and the next", () => {
    const { durations, gaps } = writeTimes([...send(100, 1_000_000, 2), ...send(100, 1_001_000, 300)].join("\n"));
    assert.deepEqual(durations, [10, 10, 10, 10]);
    // 2 µs within the first send; 300 µs is over the bound; from the first send's last write to
    // the second's first, 830 µs, too.
    assert.deepEqual(gaps, [2]);
  });
});
