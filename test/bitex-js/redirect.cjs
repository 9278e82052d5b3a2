/**
 * Loaded with `mocha --require` into a run of Bitex's own JS SDK tests (test/bitex-js/run.ts).
 * The SDK's `environment: 'test'` client calls https://localhost:3000/api, the Bitex dev server
 * its fixtures were recorded against; this sends those calls to the emulator instead, refuses
 * any other URL (nothing may reach a real Bitex host), and appends every answer to a JSON-lines
 * file so the runner can compare it with the SDK's own recording of the same call.
 */
const { appendFileSync } = require("node:fs");

// The SDK's own axios (heather-js calls the default instance), not one resolved next to this file.
const axios = require(require.resolve("axios", { paths: [process.cwd()] }));

const SDK_TEST_URL = "https://localhost:3000/api";
const emulatorUrl = process.env.BITEX_JS_EMULATOR_URL;
const exchangesFile = process.env.BITEX_JS_EXCHANGES;
if (!emulatorUrl || !exchangesFile) {
  throw new Error(
    "redirect.cjs needs BITEX_JS_EMULATOR_URL and BITEX_JS_EXCHANGES (run test/bitex-js/run.ts)",
  );
}

axios.interceptors.request.use((config) => {
  if (!config.url.startsWith(`${SDK_TEST_URL}/`)) {
    throw new Error(`not sent: only ${SDK_TEST_URL} is redirected to the emulator, got ${config.url}`);
  }
  config.url = emulatorUrl + config.url.slice(SDK_TEST_URL.length);
  return config;
});

function append(config, answer) {
  // Object.assign, not spread: babel 6 (the SDK's) compiles this file too, and knows no object spread.
  const line = Object.assign(
    { method: config.method.toUpperCase(), path: config.url.slice(emulatorUrl.length) },
    answer,
  );
  appendFileSync(exchangesFile, `${JSON.stringify(line)}\n`);
}

axios.interceptors.response.use(
  (response) => {
    append(response.config, answerOf(response));
    return response;
  },
  (error) => {
    if (error.config)
      append(error.config, error.response ? answerOf(error.response) : { error: error.message });
    return Promise.reject(error);
  },
);

function answerOf(response) {
  return {
    status: response.status,
    contentType: response.headers["content-type"] || null,
    body: response.data,
  };
}
