/**
 * The key out of every string a server sends back in a successful answer, before any of it
 * becomes a report cell, a journal line, an export row or `--json`. It is done on the parsed
 * document, value by value, never on the text: a short key could otherwise change an id or
 * an amount. A key inside an id is no value to keep or to call again: the answer is refused.
 * Money attributes are exact decimal text, which no key is part of.
 */
import { redactor } from "../redact.js";
import { DecodeError, MONEY_ATTRIBUTES } from "./jsonapi.js";

export function keyScrubber(apiKey: string): (document: unknown) => unknown {
  const redact = redactor([apiKey]);
  const walk = (value: unknown, name: string): unknown => {
    if (typeof value === "string") {
      if (MONEY_ATTRIBUTES.has(name)) return value;
      const clean = redact(value);
      if (clean !== value && name === "id") throw new DecodeError("an id in the answer holds the API key");
      return clean;
    }
    if (Array.isArray(value)) return value.map((item) => walk(item, name));
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[redact(key)] = walk(item, key);
      return out;
    }
    return value;
  };
  return (document) => walk(document, "");
}
