/**
 * Uruguay: RUT (DGI tax id) and CI (cédula de identidad).
 *
 * RUT: 12 digits: 2 (01 to 22) + 6 (not all 0) + "001" + check; weights 4,3,2,9,8,7,6,5,4,3,2
 * over the first 11; check = (-Σ) mod 11 (10 is never issued).
 * CI: 7 body digits and a check digit; a CI below 1.000.000 is written with 6 body digits and
 * counts as if led by 0. Weights 2,9,8,7,6,3,4; check = (10 - Σ mod 10) mod 10.
 */
import type { Failure } from "./problems.js";
import { DIGITS, type IdSpec, weightedSum } from "./spec.js";

export const uyRut: IdSpec = {
  kind: "uy_rut",
  label: "RUT",
  characters: DIGITS,
  charactersText: "digits",
  lengths: [12],
  leadingZeros: true,
  failures(value) {
    const failures: Failure[] = [];
    const check = (11 - (weightedSum(value.slice(0, 11), [4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) % 11)) % 11;
    if (check !== Number(value[11])) failures.push("check_digit");
    const region = Number(value.slice(0, 2));
    if (region < 1 || region > 22 || value.slice(2, 8) === "000000" || value.slice(8, 11) !== "001") {
      failures.push("component");
    }
    return failures;
  },
  explain: {
    component:
      "a RUT has 01 to 22 as its first 2 digits, not 000000 as the next 6, and 001 as digits 9 to 11",
  },
};

export const uyCi: IdSpec = {
  kind: "uy_ci",
  label: "CI",
  characters: DIGITS,
  charactersText: "digits",
  lengths: [7, 8],
  leadingZeros: false,
  failures(value) {
    const padded = value.padStart(8, "0");
    const check = (10 - (weightedSum(padded.slice(0, 7), [2, 9, 8, 7, 6, 3, 4]) % 10)) % 10;
    return check === Number(padded[7]) ? [] : ["check_digit"];
  },
};
