/**
 * Users created through the API (`POST /users`) and their compliance review on the emulator's
 * clock (README, "Emulator choices"). Bitex's guide: a master user "can create other Users";
 * a new user's `compliance_state` is `new`, then `enabled` when its first review is approved,
 * or `rejected`; the review "may take up to one working day". The emulator has no review team
 * and no issues: a created user is reviewed `minutes` after its creation, refused when its
 * email is one the seed plants as refused, approved otherwise.
 */
import type { ResourceInput } from "./inputs.js";
import { unprocessable } from "./jsonapi.js";
import { violations } from "./violations.js";

/** The seed's `review`: how long a created user's review takes, and whom it refuses. */
export interface ReviewPolicy {
  /** Emulated minutes from creation to the review's outcome. */
  minutes: number;
  /** Emails (any case) whose review ends `rejected`: the demo world's planted refusal. */
  refuse: string[];
}

export const DEFAULT_REVIEW: ReviewPolicy = { minutes: 30, refuse: [] };

/** A user created through the API whose review has not ended yet. */
interface PendingReview {
  userId: string;
  dueMs: number;
  outcome: "enabled" | "rejected";
}

export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The attributes of `POST /users` the emulator keeps. Both recorded bodies are taken: the
 * current guide's `{"data":{"type":"users"}}` (no email; the name is then empty too) and the
 * 2019 one with `email` and `password` (the password is not kept). A second user with an email
 * already taken is refused 422 (inference: a login's email is unique).
 */
export function readNewUser(
  input: ResourceInput,
  taken: (email: string) => boolean,
): { email: string; name: string | null } {
  const { email, name } = input.attributes;
  if (email !== undefined && email !== null && typeof email !== "string")
    throw unprocessable("users", [violations.notText("email")]);
  if (name !== undefined && name !== null && typeof name !== "string")
    throw unprocessable("users", [violations.notText("name")]);
  const address = typeof email === "string" ? email.trim() : "";
  if (address !== "" && taken(emailKey(address))) {
    throw unprocessable("users", [
      {
        code: "email_taken",
        title: "Email en uso",
        detail: "El email ya está en uso.",
        pointer: "/data/attributes/email",
      },
    ]);
  }
  return { email: address, name: typeof name === "string" && name.trim() !== "" ? name.trim() : null };
}

/** The reviews of users created through the API, ended in due order as the clock passes them. */
export class Reviews {
  private readonly pending: PendingReview[] = [];
  private readonly refused: Set<string>;

  constructor(readonly policy: ReviewPolicy) {
    this.refused = new Set(policy.refuse.map(emailKey));
  }

  /** Starts the review of a user created at `nowMs`. */
  start(userId: string, email: string, nowMs: number): void {
    const outcome = this.refused.has(emailKey(email)) ? "rejected" : "enabled";
    this.pending.push({ userId, dueMs: nowMs + this.policy.minutes * 60_000, outcome });
  }

  /** Ends every review due by `nowMs`: `settle(userId, outcome)` for each, in creation order. */
  due(nowMs: number, settle: (userId: string, outcome: "enabled" | "rejected") => void): void {
    while (this.pending.length > 0 && (this.pending[0] as PendingReview).dueMs <= nowMs) {
      const review = this.pending.shift() as PendingReview;
      settle(review.userId, review.outcome);
    }
  }
}
