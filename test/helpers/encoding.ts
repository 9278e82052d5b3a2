/**
 * The spellings of an encoding people write (UTF-8, cp1252, ISO-8859-1) → the reader's names.
 * The CLI takes only the reader's names (`--encoding` choices), so nothing in src/ reads
 * these; the table stays with its tests until a command accepts them.
 */
import { BatchError } from "../../src/errors.js";
import { ENCODING_OPTIONS, type EncodingOption } from "../../src/read/decode.js";

const ALIASES: Record<string, EncodingOption> = {
  auto: "auto",
  utf8: "utf8",
  "utf-8": "utf8",
  latin1: "latin1",
  "latin-1": "latin1",
  "iso-8859-1": "latin1",
  "windows-1252": "windows-1252",
  cp1252: "windows-1252",
  utf16le: "utf16le",
  "utf-16le": "utf16le",
  "utf-16": "utf16le",
};

/** Parses `--encoding`; a usage error names the accepted values. */
export function parseEncodingOption(value: string): EncodingOption {
  const option = ALIASES[value.trim().toLowerCase()];
  if (option) return option;
  throw new BatchError("usage", `--encoding: expected one of ${ENCODING_OPTIONS.join(", ")}, got "${value}"`);
}
