#!/usr/bin/env node
/** The bitex-batch bin: the process's arguments and streams to run(), its exit code back. */
import { setFlagsFromString } from "node:v8";
import { setImmediateExit } from "./commands/signals.js";
import { run } from "./main.js";

// V8 lets the heap grow to up to 4 times what is live before it collects again: a 100,000-row
// submit, whose rows and journal hold ~150 MB, went past 700 MB. Collecting once the heap has
// grown by 30% keeps it near what the run holds, at the cost of more frequent collections. This
// is no limit: the heap still grows as far as the run needs, and a run never fails for it.
setFlagsFromString("--heap-growing-percent=30");

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
