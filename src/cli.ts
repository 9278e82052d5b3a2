#!/usr/bin/env node
/** The bitex-batch bin: the process's arguments and streams to run(), its exit code back. */
import { setImmediateExit } from "./commands/signals.js";
import { run } from "./main.js";

// A reader that went away (`| head`) or a terminal that hung up (EIO) must not crash a run,
// least of all a submit: the words are lost, the work and the exit code stand.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "EIO") throw error;
  });
}
// The second Ctrl-C leaves at once, through here: the one place that ends the process.
setImmediateExit((code) => process.exit(code));
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
