/**
 * United States: ABA routing transit number, 9 digits. Weights 3,7,1 repeating over all nine:
 * Σ mod 10 must be 0. The first two digits are a Federal Reserve routing symbol: 00 to 12
 * (banks, 00 the US Government), 21 to 32 (thrifts), 61 to 72 (electronic), 80 (traveler's
 * checks); any other start is not a routing number.
 */
import type { Failure } from "./problems.js";
import { DIGITS, type IdSpec, weightedSum } from "./spec.js";

function knownPrefix(prefix: number): boolean {
  return prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80;
}

export const usAba: IdSpec = {
  kind: "us_aba",
  label: "ABA routing number",
  characters: DIGITS,
  charactersText: "digits",
  lengths: [9],
  leadingZeros: true,
  failures(value) {
    const failures: Failure[] = [];
    if (weightedSum(value, [3, 7, 1]) % 10 !== 0) failures.push("check_digit");
    if (!knownPrefix(Number(value.slice(0, 2)))) failures.push("prefix");
    return failures;
  },
  explain: {
    prefix: "a routing number starts with 00 to 12, 21 to 32, 61 to 72 or 80",
  },
};
