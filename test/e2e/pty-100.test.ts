/** A whole `submit --until final` on a 100-column terminal: see test/helpers/pty-trial.ts. */
import { describePty } from "../helpers/pty-trial.js";

describePty(100);
