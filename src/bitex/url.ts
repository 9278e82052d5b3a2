/** Where the API key may be sent: https anywhere, plain http only to this machine. */

import { isLoopback } from "../wire/loopback.js";
import { ConfigError } from "./failure.js";

/** Throws ConfigError "usage" for a malformed URL, "insecure_url" for plain http to a non-loopback host. */
export function checkApiUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      "usage",
      `--api-url: expected an http(s) URL like https://sandbox.bitex.la/api, got ${show(url)}`,
    );
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ConfigError("usage", `--api-url: expected an https:// URL, got ${show(url)}`);
  }
  // user:password@ would travel in every log line that prints the URL.
  if (parsed.username !== "" || parsed.password !== "") {
    throw new ConfigError(
      "usage",
      "--api-url: credentials inside the URL are not accepted; use BITEX_API_KEY",
    );
  }
  if (parsed.search !== "" || parsed.hash !== "") {
    // Not echoed: a query is where a key pasted by mistake would sit.
    throw new ConfigError("usage", "--api-url: expected no query (?…) or fragment (#…) in the URL");
  }
  if (parsed.protocol === "http:" && !isLoopback(parsed.hostname)) {
    throw new ConfigError(
      "insecure_url",
      `--api-url ${parsed.origin} is plain http to another machine: API keys travel only over TLS`,
      { hint: "use https://, or http:// only to 127.0.0.1, ::1 or localhost" },
    );
  }
}

/**
 * A URL as given, for a message, with its credentials, query and fragment as "…": that is
 * where a key pasted by mistake sits, and the text may be no URL the parser could take apart.
 * Returned quoted, or as words when the text is not shown at all.
 */
function show(text: string): string {
  // No dot, no slash: no host, no path. Most likely the key itself (the two variables swapped).
  if (text !== "" && !/[./\\]/.test(text))
    return "text with no host or path (not shown: it may be the API key, set in the wrong place)";
  const cut = /[?#]/.exec(text);
  let shown = cut ? `${text.slice(0, cut.index)}${cut[0]}…` : text;
  const scheme = /^[a-z][a-z0-9+.-]*:[\\/]+/i.exec(shown)?.[0] ?? "";
  const rest = shown.slice(scheme.length);
  const path = rest.search(/[\\/]/);
  const userinfoEnd = (path < 0 ? rest : rest.slice(0, path)).lastIndexOf("@");
  if (userinfoEnd >= 0) shown = `${scheme}…${rest.slice(userinfoEnd)}`;
  return JSON.stringify(shown.length > 200 ? `${shown.slice(0, 200)}…` : shown);
}

/**
 * The identity of an API base URL, for telling whether a journal belongs to the API a run
 * points at: only differences that provably name the same API are removed (scheme and host
 * case, a default port, trailing slashes, `localhost` for 127.0.0.1). Anything else, a path's
 * case included, stays a different API.
 */
export function apiIdentity(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  // The URL parser lowercases the scheme and host and drops a port that is the scheme's default.
  const host = parsed.hostname === "localhost" ? "127.0.0.1" : parsed.hostname;
  const port = parsed.port === "" ? "" : `:${parsed.port}`;
  const path = parsed.pathname.replace(/\/+$/, "");
  return `${parsed.protocol}//${host}${port}${path}`;
}

/**
 * Whether a link names the API's own host, whatever its scheme and port (an app behind TLS
 * termination writes http:// links), a loopback name for a loopback one.
 */
export function sameHost(link: URL, base: URL): boolean {
  return link.hostname === base.hostname || (isLoopback(link.hostname) && isLoopback(base.hostname));
}
