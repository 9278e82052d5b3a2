/**
 * The key out of every string a server sends back in a successful answer, before any of it
 * becomes a report cell, a journal line, an export row or `--json`. It is done on the parsed
 * document, value by value, never on the text: a short key could otherwise change an id or
 * an amount. A key inside an id is no value to keep or to call again: the answer is refused.
 * Money attributes are left as sent while they are decimal text, which no key is part of.
 */
import { decimalOrNull } from "../decimal.js";
import { redactor } from "../redact.js";
import { DecodeError, MONEY_ATTRIBUTES } from "./jsonapi.js";

export function keyScrubber(
  apiKey: string,
  { idsRefused = true, mark = "[redacted]" } = {},
): (document: unknown) => unknown {
  const redact = redactor([apiKey], mark);
  const walk = (value: unknown, name: string): unknown => {
    if (typeof value === "string") {
      // Decimal text (a number as parsed, or Rails' BigDecimal string) is no key, and cleaning
      // it could change a figure a key of digits is part of; any other text is cleaned.
      if (MONEY_ATTRIBUTES.has(name) && decimalOrNull(value) !== null) return value;
      const clean = redact(value);
      if (clean !== value && name === "id" && idsRefused)
        throw new DecodeError("an id in the answer holds the API key");
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

/**
 * An error answer's text without the key. A JSON body is cleaned as parsed, value by value,
 * then written again: a server's encoder may have escaped the key's characters (`\u0026` for
 * `&`, `\/` for `/`), which the text does not show and parsing undoes. Other text (an HTML
 * page) is cleaned as it is.
 */
export function errorTextScrubber(apiKey: string, mark: string): (text: string) => string {
  const redact = redactor([apiKey], mark);
  const scrub = keyScrubber(apiKey, { idsRefused: false, mark });
  return (text) => {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      return redact(text);
    }
    return JSON.stringify(scrub(document));
  };
}
