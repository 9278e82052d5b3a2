/**
 * Runs the tests of Bitex's own JS SDK (github.com/bitex-la/bitex-js) that call endpoints the
 * emulator serves against the emulator, and prints `N/M passed`. A manual check, not part of
 * `npm test`: it needs a checkout of the SDK and an `npm install` of its dev dependencies.
 *
 *   npx tsx test/bitex-js/run.ts <bitex-js checkout>     (or BITEX_JS_DIR=<checkout>)
 *   BITEX_JS_WORK=<dir>: where the SDK is copied and installed (default <tmpdir>/bitex-batch-bitex-js)
 *
 * The SDK's tests replay axios-vcr cassettes recorded against a Bitex dev server; with those
 * mounted the emulator would never be called. So the SDK is copied, axios-vcr is replaced by a
 * stub that mounts nothing (every call goes out), and redirect.cjs points the SDK's test URL at
 * the emulator (port 0, loopback). Each test runs alone, in the SDK's order, against one world:
 * the SDK's recorded instructions 1-3 under its test key. A test passes when the SDK's mocha says
 * so AND each call it made got what the SDK's own cassette recorded for that call: the same
 * status and Content-Type and a body with the same members of the same JSON types. The second
 * half matters: some of these tests cannot fail by themselves (an un-awaited `rejectedWith`, an
 * `expect(async fn).to.not.throw()`).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Seed, startSandbox } from "../../src/sandbox/index.js";
import { againstCassette, type Exchange } from "./cassette.js";

/** One SDK test: its spec file, mocha's full title, and its cassette (the SDK names it after the title). */
interface SdkTest {
  file: string;
  title: string;
  cassette: string;
}

function funding(name: string): SdkTest {
  return {
    file: "test/funding.spec.js",
    title: `Funding ${name}`,
    cassette: `funding/${name.replaceAll(" ", "_")}`,
  };
}

/**
 * Every SDK test whose calls reach an endpoint the emulator serves, in the SDK's order (the
 * create makes instruction 4, which the delete removes). The other 69 of its 74 tests call the
 * exchange's trading, wallet, deposit, merchant, bot, API-key and account endpoints, which the
 * emulator does not have (it answers them 404); "handles unauthorized errors gracefully" is
 * among them (POST /api_keys/, recorded 401 for a wrong one-time password).
 */
const SELECTED: readonly SdkTest[] = [
  funding("create withdrawal instructions"),
  funding("get withdrawal instructions"),
  funding("get withdrawal instruction"),
  funding("delete withdrawal instruction"),
  // An unknown route: Bitex's dev server answered 404, as the emulator does for any path it lacks.
  {
    file: "test/unhappy_paths.spec.js",
    title: "Unhappy paths handles 404 errors gracefully",
    cassette: "unhappy_paths/handles_404_errors_gracefully",
  },
];

const SDK_FILES = ["src", "test", "fixtures", ".babelrc", "package.json", "package-lock.json"];
const HERE = fileURLToPath(new URL(".", import.meta.url));
const ROOT = resolve(HERE, "..", "..");

async function main(): Promise<number> {
  const checkout = process.argv[2] ?? process.env.BITEX_JS_DIR;
  if (checkout === undefined || !existsSync(join(checkout, "test", "funding.spec.js"))) {
    console.error("usage: npx tsx test/bitex-js/run.ts <bitex-js checkout> (or BITEX_JS_DIR)");
    console.error("  a checkout of github.com/bitex-la/bitex-js holding test/funding.spec.js");
    return 2;
  }
  const work = resolve(process.env.BITEX_JS_WORK ?? join(tmpdir(), "bitex-batch-bitex-js"));
  if (work === resolve(checkout)) {
    console.error("BITEX_JS_WORK must not be the checkout itself: the SDK's files there are replaced");
    return 2;
  }
  prepare(resolve(checkout), work);

  const sandbox = await startSandbox({ seed: sdkWorld(), faults: { rate_limit: 0 } });
  try {
    console.log(`bitex-js ${commitOf(checkout)} against the emulator at ${sandbox.url}`);
    let passed = 0;
    for (const [index, test] of SELECTED.entries()) {
      const problems = await runOne(work, sandbox.url, join(work, `exchanges-${index}.jsonl`), test);
      if (problems.length === 0) passed += 1;
      console.log(`  ${problems.length === 0 ? "ok  " : "FAIL"}  ${test.title}`);
      for (const problem of problems) console.log(`          ${problem}`);
    }
    console.log(`${passed}/${SELECTED.length} passed`);
    return passed === SELECTED.length ? 0 : 1;
  } finally {
    await sandbox.close();
  }
}

/** Copies the SDK into `work`, without axios-vcr (a stub takes its place), and installs it once. */
function prepare(checkout: string, work: string): void {
  mkdirSync(work, { recursive: true });
  for (const name of SDK_FILES) {
    rmSync(join(work, name), { recursive: true, force: true });
    cpSync(join(checkout, name), join(work, name), { recursive: true });
  }
  const manifest = JSON.parse(readFileSync(join(work, "package.json"), "utf8"));
  delete manifest.devDependencies["axios-vcr"];
  writeFileSync(join(work, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const lock = JSON.parse(readFileSync(join(work, "package-lock.json"), "utf8"));
  delete lock.dependencies?.["axios-vcr"];
  delete lock.packages?.["node_modules/axios-vcr"];
  writeFileSync(join(work, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);

  const stamp = join(work, "node_modules", ".bitex-batch-installed");
  const wanted = JSON.stringify(manifest);
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== wanted) {
    console.error(`installing the SDK's dependencies in ${work} (npm registry) ...`);
    const install = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts"], {
      cwd: work,
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (install.status !== 0) throw new Error(`npm install in ${work} exited ${install.status}`);
    writeFileSync(stamp, wanted);
  }
  const stub = join(work, "node_modules", "axios-vcr");
  mkdirSync(stub, { recursive: true });
  writeFileSync(
    join(stub, "package.json"),
    '{"name":"axios-vcr","version":"0.0.0-stub","main":"index.js"}\n',
  );
  writeFileSync(join(stub, "index.js"), "module.exports = { mountCassette() {}, ejectCassette() {} };\n");
  cpSync(join(HERE, "redirect.cjs"), join(work, "redirect.cjs"));
}

/**
 * The world the SDK's funding cassettes were recorded in: its instructions 1-3 (the list the SDK
 * recorded, fixtures/recorded/withdrawal_instructions-list-trailing_slash.json) owned by the key's
 * owner, under the SDK's test key. An instruction's port is private (the SDK never sees it);
 * instruction 1's body names country OTHER, so it gets other_usd.
 */
function sdkWorld(): Seed {
  const recorded = JSON.parse(
    readFileSync(join(ROOT, "fixtures/recorded/withdrawal_instructions-list-trailing_slash.json"), "utf8"),
  );
  const listed = recorded.response.body.data as { id: string; attributes: { label: string; body: object } }[];
  return {
    api_key: "valid_api_key",
    owner_user_id: "1",
    users: [{ id: "1", email: "sdk-tests@example.com", compliance_state: "enabled" }],
    withdrawal_instructions: listed.map((w) => ({
      id: w.id,
      user_id: "1",
      port_code: w.id === "1" ? "other_usd" : "ar_ars",
      label: w.attributes.label,
      body: w.attributes.body as Record<string, unknown>,
      outcome: "settled",
    })),
    balances: [],
    rates: [],
  };
}

/**
 * Runs one SDK test alone; returns what went wrong, nothing when it passed. Asynchronous: the
 * emulator answers from this process's event loop.
 */
async function runOne(work: string, url: string, exchangesFile: string, { file, title, cassette }: SdkTest) {
  rmSync(exchangesFile, { force: true });
  const child = spawn(
    process.execPath,
    [
      "node_modules/mocha/bin/_mocha",
      ...[...sdkRequires(work), "./redirect.cjs"].flatMap((module) => ["--require", module]),
      ...["--reporter", "json", "--grep", `^${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, file],
    ],
    {
      cwd: work,
      env: {
        ...process.env,
        BITEX_JS_EMULATOR_URL: url,
        BITEX_JS_EXCHANGES: exchangesFile,
        BABEL_CACHE_PATH: join(work, ".babel-cache.json"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const [stdout, stderr] = [collect(child.stdout), collect(child.stderr)];
  const killer = setTimeout(() => child.kill(), 120_000);
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(killer);
  const mocha = { status: code, stdout: stdout.join(""), stderr: stderr.join("") };
  const problems: string[] = [];
  const report = parseReport(mocha.stdout);
  if (report === null)
    problems.push(
      `no mocha report (exit ${mocha.status}): ${lastLine(mocha.stderr) || mocha.stdout.slice(0, 200)}`,
    );
  else if (!report.passes.some((t) => t.fullTitle === title)) {
    const failure = report.failures.find((t) => t.fullTitle === title);
    problems.push(failure ? `the SDK's test failed: ${failure.err.message}` : "the SDK's test did not run");
  }
  if (report !== null && mocha.status !== 0) {
    problems.push(`mocha exited ${mocha.status}: ${lastLine(mocha.stderr)}`);
  }
  const exchanges = existsSync(exchangesFile)
    ? readFileSync(exchangesFile, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Exchange)
    : [];
  const recorded = JSON.parse(readFileSync(join(work, "fixtures", `${cassette}.json`), "utf8"));
  problems.push(...againstCassette(exchanges, recorded));
  return problems;
}

/** The modules the SDK's own `npm test` loads (babel 6's or babel 7's register and polyfill). */
function sdkRequires(work: string): string[] {
  const script: string = JSON.parse(readFileSync(join(work, "package.json"), "utf8")).scripts.test;
  return [...script.matchAll(/--require\s+(\S+)/g)].map((match) => match[1] as string);
}

function collect(stream: NodeJS.ReadableStream): string[] {
  const chunks: string[] = [];
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => chunks.push(chunk));
  return chunks;
}

function parseReport(stdout: string) {
  try {
    return JSON.parse(stdout) as {
      passes: { fullTitle: string }[];
      failures: { fullTitle: string; err: { message: string } }[];
    };
  } catch {
    return null;
  }
}

const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? "";

function commitOf(checkout: string): string {
  try {
    return execFileSync("git", ["-C", checkout, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "(commit unknown: not a git checkout)";
  }
}

process.exitCode = await main();
