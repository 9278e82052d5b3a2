/**
 * Chile: RUT/RUN (SII), a body of 7 or 8 digits and a check character. Σ body digits × 2,3,4,
 * 5,6,7,2,... from the right; r = 11 - Σ mod 11; 11 gives 0, 10 gives K.
 */
import { type IdSpec, weightedSumFromRight } from "./spec.js";

export const clRut: IdSpec = {
  kind: "cl_rut",
  label: "RUT",
  characters: /^\d+[\dK]$/,
  charactersText: "digits and a final check digit or K",
  lengths: [8, 9],
  leadingZeros: false,
  failures(value) {
    const r = 11 - (weightedSumFromRight(value.slice(0, -1), [2, 3, 4, 5, 6, 7]) % 11);
    const check = r === 11 ? "0" : r === 10 ? "K" : String(r);
    return check === value.slice(-1) ? [] : ["check_digit"];
  },
};
