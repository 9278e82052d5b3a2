/** A quiet run's Console that keeps every line said to it, in order, in `said`. */
import type { Console } from "../../src/app/session.js";

export function recordingConsole(): Console & { said: string[] } {
  const said: string[] = [];
  return {
    said,
    info: (line) => said.push(line),
    warn: (line) => said.push(line),
    summary: (lines) => said.push(...lines),
    json: () => {},
    isTTY: false,
    stream: process.stderr,
    quiet: true,
    jsonMode: false,
    zone: "UTC",
    barShown: () => {},
  };
}
