/**
 * The emulator as a process of its own: its line, its answers, and a real SIGTERM (moved from
 * test/sandbox/start.test.ts). The built emulator (dist/, as the CLI runs it), so the child needs
 * no TypeScript loader.
 */
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { fromRoot } from "../helpers/root.js";
import type { Json } from "../sandbox/helpers.js";

describe("sandbox start and stop", () => {
  it("as a process: prints its line, answers, and exits 0 on a real SIGTERM", async () => {
    const entry = pathToFileURL(fromRoot("dist", "sandbox", "index.js")).href;
    const script = [
      `const { runSandboxServer } = await import(${JSON.stringify(entry)});`,
      // Written for rich lists: one page holds all 11 ports.
      'await runSandboxServer({ port: 0, faults: { list_style: "rich" }, print: (line) => console.log(line) });',
    ].join("\n");
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const line = await new Promise<string>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
        if (stdout.includes("\n")) resolve(stdout.slice(0, stdout.indexOf("\n")));
      });
    });
    const url = /listening on (\S+) \(api key: sandbox-key\)$/.exec(line)?.[1];
    const ports = await fetch(`${url}/concierge_ports`, { headers: { Authorization: "sandbox-key" } });
    expect(((await ports.json()) as Json).data).to.have.length(11);
    child.kill("SIGTERM");
    expect(await exited).to.equal(0);
    expect(stdout).to.match(
      /^bitex sandbox listening on http:\/\/127\.0\.0\.1:\d+\/api \(api key: sandbox-key\)\n$/,
    );
  });
});
