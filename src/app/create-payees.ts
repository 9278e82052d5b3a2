/**
 * The payee phase at the start of `submit` (docs/design.md, "Input modes"): find each row's
 * payee by email and its instruction by account, and create what is missing, each user and
 * each instruction exactly once. Every create is journaled before its call; an unclear
 * answer, or an intent a killed run left, is settled by listing again once the settle delay
 * has passed (never by sending again blindly); Bitex refusing a user (its email taken by
 * another writer meanwhile) is settled by listing too. Two writers that raced to make one
 * account's instruction both keep the lowest id; the other copies, ours by their label, are
 * deleted. The phase ends with a `payees` journal line: the ids every row resolved to, which
 * a rerun and the follow-through read instead of resolving again.
 */
import pLimit from "p-limit";
import {
  foldJournal,
  type JournalAppender,
  type JournalState,
  journalAtFirstEntry,
  type PayeeResolution,
  payeeCreateKey,
  readJournal,
} from "../batch/journal.js";
import type { BitexClient } from "../bitex/client.js";
import { ApiError } from "../bitex/errors.js";
import { BatchError } from "../errors.js";
import type { ValidRow } from "../model.js";
import {
  accountCreateKey,
  holdersOf,
  INSTRUCTION_LABEL_PREFIX,
  instructionBody,
  type ListedInstruction,
  type NewAccount,
  type NewPayee,
  ownInstructions,
  type PayeeDirectory,
  type PayeePlan,
  payeeKeyOf,
  resolvePayees,
  userCreateKey,
} from "../plan/payees.js";
import { portCurrency } from "../ports.js";
import { maskId } from "../validate/payee/index.js";
import { complianceOf, resolutionOf } from "./payee-rows.js";
import { readPayeeDirectory } from "./payees.js";

export type PayeeApi = Pick<
  BitexClient,
  | "listUsers"
  | "getUser"
  | "listWithdrawalInstructions"
  | "createUser"
  | "createWithdrawalInstruction"
  | "getWithdrawalInstruction"
  | "deleteWithdrawalInstruction"
>;

export interface PayeePhase {
  api: PayeeApi;
  /** The valid rows by details (alone or with ids). */
  rows: readonly ValidRow[];
  file: string;
  journalPath: string;
  /** Creates in flight at once (the run's --concurrency; the client's gate bounds calls too). */
  concurrency: number;
  /** How long an unclear create may still land (the outputs' settle delay). */
  settleMs: number;
  signal: AbortSignal;
  say(line: string): void;
  checkpoint?(point: string): void;
}

/** Reads and creates before giving up: users, then their instructions, then a last reading. */
const MAX_PASSES = 8;

/** Resolves every row by details, creating what is missing; the rows' ids by line. */
export async function createPayees(phase: PayeePhase): Promise<Map<number, PayeeResolution>> {
  const past = foldJournal(await readJournal(phase.journalPath));
  // An entry without payee_key (an earlier version's journal) proves nothing about the row at
  // its line: before the batch began it is resolved again, which finds what was created.
  const unsettled = phase.rows.find((row) => {
    const resolution = resolutionOf(row, past.payees);
    return resolution === undefined || (past.begin === null && resolution.payee_key === undefined);
  });
  if (unsettled === undefined) return past.payees;
  if (past.begin) refuseEdited(phase.file, unsettled, past.begin.batch_id);
  // Opened at the first line to write: a run refused at the door leaves the journal as it was.
  const journal = journalAtFirstEntry(phase.journalPath);
  try {
    return await settle(phase, journal);
  } finally {
    await journal.close();
  }
}

/**
 * A batch that began holds its rows' payees as resolved then, by line: a row there that now
 * names another payee, or a row added, is an edited file, refused before anything is created
 * or sent, as an edited file by ids is. Before the batch began, its rows are resolved again.
 */
function refuseEdited(file: string, row: ValidRow, batchId: string): never {
  throw new BatchError(
    "input",
    `${file}:${row.line}: the payee this row names is not the one batch ${batchId} resolved at this line when it began; nothing was created or sent`,
    {
      hint: `put ${file} back as it was submitted to resume the batch; the rows it created are paid once, a new --batch-id would pay them again`,
    },
  );
}

async function settle(phase: PayeePhase, journal: JournalAppender): Promise<Map<number, PayeeResolution>> {
  const { api, rows, say } = phase;
  /** Creates Bitex refused this run (not an unclear answer): key → its words. */
  const refused = new Map<string, string>();
  let directory: PayeeDirectory | undefined;
  /** Emails whose user or instructions this run created or tried to: read again next pass. */
  const touched = new Set<string>();
  const limit = pLimit(Math.max(1, phase.concurrency));
  for (let pass = 1; ; pass++) {
    if (phase.signal.aborted)
      throw new BatchError("interrupted", "stopped by a signal while creating payees");
    const state = foldJournal(await readJournal(phase.journalPath));
    directory = await withCreatedUsers(phase, await readAgain(api, rows, directory, touched), state);
    directory = await withCreatedInstructions(phase, directory, state);
    touched.clear();
    const plan = resolvePayees(rows, directory);
    refuseRowErrors(phase.file, plan);
    if (plan.newPayees.length === 0 && plan.newAccounts.length === 0) {
      await dropDuplicates(phase, directory);
      const resolutions = resolutionsOf(rows, plan, directory, state);
      await journal.append({ t: "payees", rows: [...resolutions.values()], at: now() });
      phase.checkpoint?.("payees-done");
      return resolutions;
    }
    if (pass > MAX_PASSES) {
      throw new BatchError(
        "conflict",
        `${plan.newPayees.length} payee(s) and ${plan.newAccounts.length} account(s) still not listed after ${MAX_PASSES} readings; nothing was paid`,
        {
          hint: "run the same command again: what was created is found by email and account, never made twice",
        },
      );
    }
    for (const payee of plan.newPayees) refuseAgain(phase.file, payee.lines, refused, state, userKey(payee));
    for (const account of plan.newAccounts)
      refuseAgain(phase.file, account.lines, refused, state, accountKeyOf(account));
    // A create that may still land (killed run, unclear answer) is waited out, then read again.
    const keys = [
      ...plan.newPayees.map(userKey),
      ...plan.newAccounts.filter((account) => account.userId !== null).map(accountKeyOf),
    ];
    const waitMs = Math.max(0, ...keys.map((key) => pendingMs(state, key, phase.settleMs)));
    for (const payee of plan.newPayees) touched.add(userCreateKey(payee.email));
    for (const account of plan.newAccounts) touched.add(userCreateKey(account.email));
    if (waitMs > 0) {
      // The next reading reads these payees' instructions again: a late create shows there.
      say(`payees: a create may still land at Bitex; reading again in ${Math.ceil(waitMs / 1000)} s`);
      await sleep(waitMs, phase.signal);
      continue;
    }
    if (pass === 1)
      say(
        `payees: creating ${plan.newPayees.length} payee(s) and ${plan.newAccounts.length} bank account(s) at Bitex`,
      );
    await all(plan.newPayees.map((payee) => limit(() => createUser(phase, journal, payee, refused))));
    await all(
      plan.newAccounts.flatMap((account) =>
        account.userId === null
          ? []
          : [limit(() => createInstruction(phase, journal, account, rows, refused))],
      ),
    );
  }
}

/** Waits for every create of a round (none left running), then fails with the first failure. */
async function all(creates: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(creates)).find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

/**
 * The first reading: users and the instructions of every payee a row names. Later ones:
 * users again, and the instructions only of the payees this run created or tried to create
 * for; the others resolved whole before and nothing is created for them, so their
 * instructions are not read again (calls: user pages per pass + instruction pages of the
 * payees + creates, never one per row).
 */
async function readAgain(
  api: PayeeApi,
  rows: readonly ValidRow[],
  previous: PayeeDirectory | undefined,
  touched: ReadonlySet<string>,
): Promise<PayeeDirectory> {
  if (previous === undefined) return readPayeeDirectory(api, rows);
  const users = await api.listUsers();
  const emails = new Set(rows.map((row) => userCreateKey(row.payee?.email ?? "")));
  const instructionsByUser = new Map<string, readonly ListedInstruction[]>();
  const reread: string[] = [];
  for (const user of users) {
    const email = typeof user.email === "string" ? userCreateKey(user.email) : "";
    if (!emails.has(email)) continue;
    const known = previous.instructionsByUser.get(user.id);
    if (known !== undefined && !touched.has(email)) instructionsByUser.set(user.id, known);
    else reread.push(user.id);
  }
  const lists = await Promise.all(reread.map((id) => api.listWithdrawalInstructions(id)));
  for (const [i, id] of reread.entries()) instructionsByUser.set(id, lists[i] ?? []);
  return { users, instructionsByUser };
}

/**
 * Users this batch created (an answer with the id on record) that the listing does not show
 * under the email they were created with, read by that id and taken as that payee's, with
 * their instructions: a listing that lags the create, or a Bitex that kept no email (its
 * current guide's create body has none), must not make the payee again. A user shown under
 * another email is not taken; one Bitex no longer has is left to the listing.
 */
async function withCreatedUsers(
  phase: PayeePhase,
  directory: PayeeDirectory,
  state: JournalState,
): Promise<PayeeDirectory> {
  const listed = new Set(
    directory.users.flatMap((user) => (typeof user.email === "string" ? [userCreateKey(user.email)] : [])),
  );
  const users = [...directory.users];
  const instructionsByUser = new Map(directory.instructionsByUser);
  for (const row of phase.rows) {
    const email = userCreateKey(row.payee?.email ?? "");
    const create = state.payeeCreates.get(payeeCreateKey("user", email));
    if (create?.status !== "created" || listed.has(email)) continue;
    listed.add(email);
    const user = await phase.api.getUser(create.id).catch((error: unknown) => {
      if (error instanceof ApiError && error.kind === "not_found") return null;
      throw error;
    });
    const shown = typeof user?.email === "string" && user.email !== "" ? userCreateKey(user.email) : email;
    if (user === null || shown !== email) continue;
    phase.say(
      `payees: user ${user.id} (created by this batch) is not listed under <${email}>; read by its id`,
    );
    users.push({ ...user, email });
    instructionsByUser.set(user.id, await phase.api.listWithdrawalInstructions(user.id));
  }
  return { users, instructionsByUser };
}

/**
 * Instructions this batch created (an answer with the id on record) that the listing does not
 * show yet, read by that id acting as their owner and added to what was listed: Bitex caches
 * its lists (design, section 9), and an account must not be made again because its listing
 * lags (helper-78: a copy at every reading). One Bitex no longer has is left to the listing.
 */
async function withCreatedInstructions(
  phase: PayeePhase,
  directory: PayeeDirectory,
  state: JournalState,
): Promise<PayeeDirectory> {
  const instructionsByUser = new Map(directory.instructionsByUser);
  for (const account of resolvePayees(phase.rows, directory).newAccounts) {
    const create = state.payeeCreates.get(accountKeyOf(account));
    if (account.userId === null || create?.status !== "created") continue;
    const instruction = await phase.api
      .getWithdrawalInstruction(create.id, account.userId)
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.kind === "not_found") return null;
        throw error;
      });
    // Another user's (where Bitex names the owner) is not this payee's account.
    if (instruction === null || (instruction.user_id !== null && instruction.user_id !== account.userId))
      continue;
    phase.say(
      `payees: bank account ${instruction.id} (created by this batch) is not listed for user ${account.userId} yet; read by its id`,
    );
    instructionsByUser.set(account.userId, [...(instructionsByUser.get(account.userId) ?? []), instruction]);
  }
  return { ...directory, instructionsByUser };
}

function userKey(payee: Pick<NewPayee, "email">): string {
  return payeeCreateKey("user", userCreateKey(payee.email));
}

function accountKeyOf(account: NewAccount): string {
  return payeeCreateKey(
    "withdrawal_instruction",
    accountCreateKey(account.email, account.account, account.currency),
  );
}

/** How long to wait before a listing may say this journaled create did not land (0: it may now). */
function pendingMs(state: JournalState, key: string, settleMs: number): number {
  const create = state.payeeCreates.get(key);
  if (create === undefined || create.status === "refused") return 0;
  // Created yet not listed: a listing that lags the create; the same delay, then it is sent again.
  return Math.max(0, Date.parse(create.at) + settleMs - Date.now());
}

function refuseRowErrors(file: string, plan: PayeePlan): void {
  const first = plan.errors[0];
  if (!first) return;
  const more = plan.errors.length > 1 ? ` (and ${plan.errors.length - 1} more row error(s))` : "";
  throw new BatchError(
    "input",
    `${file}:${first.line}: ${first.column}: ${first.message}${more}; nothing was paid`,
    {
      hint: "`bitex-batch validate --online` lists every row's problem",
    },
  );
}

/**
 * How long a create that got no answer may take to be listed (Bitex caches its lists; no source
 * says for how long: a choice). Within it a refusal of the same create is "run again"; past
 * it, the row's error (helper-86: an email that is another's at Bitex was "run again" forever).
 */
const LISTING_LAG_MS = 15 * 60_000;

/**
 * A create Bitex refused, still not listed on the next reading: the row's error, not a loop;
 * unless an earlier create of it got no answer lately: it may exist and Bitex's listing lag
 * behind, and Bitex refused a second one (helper-81: exit 2 told to correct a row that was
 * right).
 */
function refuseAgain(
  file: string,
  lines: readonly number[],
  refused: ReadonlyMap<string, string>,
  state: JournalState,
  key: string,
): void {
  const refusal = refused.get(key);
  if (refusal === undefined) return;
  const earlier = state.payeeCreates.get(key);
  const since = earlier?.status === "created" ? earlier.at : earlier?.unclearSince;
  if (since !== undefined && Date.now() - Date.parse(since) < LISTING_LAG_MS) {
    throw new BatchError(
      "conflict",
      `${file}:${lines[0]}: Bitex refused to create this payee or account (${refusal}), and an earlier create of it may have landed, not listed yet; nothing was paid`,
      {
        hint: "run the same command again in a few minutes (Bitex's lists can lag): what was created is found by email and account, never made twice",
      },
    );
  }
  const unlisted =
    since === undefined
      ? ""
      : `; an earlier create of it, ${Math.round((Date.now() - Date.parse(since)) / 60_000)} min ago, is not listed either`;
  throw new BatchError(
    "input",
    `${file}:${lines[0]}: Bitex refused to create this payee or account: ${refusal}${unlisted}`,
    {
      hint: "correct the row's details (or give its recipient_user_id and withdrawal_instruction_id)",
    },
  );
}

async function createUser(
  phase: PayeePhase,
  journal: JournalAppender,
  payee: NewPayee,
  refused: Map<string, string>,
): Promise<void> {
  const key = userCreateKey(payee.email);
  const line = payee.lines[0] as number;
  const base = { kind: "user" as const, key, line, request_id: "" };
  await journal.append({ t: "intent", ...base, at: now() });
  phase.checkpoint?.("payee-user:intent");
  try {
    const user = await phase.api.createUser({ email: payee.email });
    phase.checkpoint?.("payee-user:answered");
    const state = complianceOf(user);
    await journal.append({ t: "created", ...base, output_id: user.id, state, via: "response", at: now() });
    phase.say(`payees: created user ${user.id} for ${payee.name} <${payee.email}>`);
  } catch (error) {
    await unclear(phase, journal, base, error, refused, `user for <${payee.email}>`);
  }
}

async function createInstruction(
  phase: PayeePhase,
  journal: JournalAppender,
  account: NewAccount,
  rows: readonly ValidRow[],
  refused: Map<string, string>,
): Promise<void> {
  const userId = account.userId as string;
  const key = accountCreateKey(account.email, account.account, account.currency);
  const line = account.lines[0] as number;
  const row = rows.find((candidate) => candidate.line === line) as ValidRow;
  const payee = row.payee as NonNullable<ValidRow["payee"]>;
  const base = { kind: "withdrawal_instruction" as const, key, line, request_id: "" };
  const masked = `${account.account.kind} ${maskId(account.account.number)}`;
  await journal.append({ t: "intent", ...base, at: now() });
  phase.checkpoint?.("payee-instruction:intent");
  try {
    const created = await phase.api.createWithdrawalInstruction({
      userId,
      label: `${INSTRUCTION_LABEL_PREFIX} ${account.account.kind} ${account.currency}`,
      body: instructionBody(payee, row.port),
    });
    phase.checkpoint?.("payee-instruction:answered");
    await journal.append({
      t: "created",
      ...base,
      output_id: created.id,
      state: "",
      via: "response",
      at: now(),
    });
    phase.say(`payees: created bank account ${created.id} (${masked}) for user ${userId}`);
  } catch (error) {
    await unclear(phase, journal, base, error, refused, `bank account ${masked} of user ${userId}`);
  }
}

/**
 * A create that failed: Bitex's own refusal is remembered (the next reading shows whether
 * another writer made it meanwhile); an unclear answer is journaled and settled by reading.
 */
async function unclear(
  phase: PayeePhase,
  journal: JournalAppender,
  base: { kind: "user" | "withdrawal_instruction"; key: string; line: number; request_id: string },
  error: unknown,
  refused: Map<string, string>,
  what: string,
): Promise<void> {
  if (!(error instanceof ApiError) || phase.signal.aborted) throw error;
  if (error.sent === "no" && (error.kind === "validation" || error.kind === "not_found")) {
    await journal.append({ t: "failed", ...base, code: error.code, error: error.message, at: now() });
    refused.set(payeeCreateKey(base.kind, base.key), error.message);
    phase.say(`payees: Bitex refused the ${what} (${error.code}); reading again`);
    return;
  }
  if (error.sent === "no") throw error;
  await journal.append({ t: "ambiguous", ...base, code: error.code, at: now() });
  phase.say(`payees: ${what}: no clear answer (${error.code}); reading Bitex before anything is sent again`);
}

/**
 * Instructions of one payee holding one account more than once (two writers raced): the
 * lowest id stays, as resolution takes it; the others this tool made (by label) are deleted.
 */
async function dropDuplicates(phase: PayeePhase, directory: PayeeDirectory): Promise<void> {
  const seen = new Set<string>();
  for (const row of phase.rows) {
    const payee = row.payee;
    if (!payee) continue;
    const user = directory.users.find(
      (candidate) =>
        typeof candidate.email === "string" && userCreateKey(candidate.email) === userCreateKey(payee.email),
    );
    if (!user) continue;
    const own = ownInstructions(directory.instructionsByUser.get(user.id) ?? [], user.id);
    const holders = holdersOf(own, payee.account, row.port);
    for (const extra of holders.slice(1)) {
      const label = (extra as { label?: unknown }).label;
      if (seen.has(extra.id) || typeof label !== "string" || !label.startsWith(INSTRUCTION_LABEL_PREFIX))
        continue;
      seen.add(extra.id);
      await phase.api.deleteWithdrawalInstruction(extra.id, user.id).catch((error: unknown) => {
        // Already deleted by the other writer: what was wanted.
        if (!(error instanceof ApiError && error.kind === "not_found")) throw error;
      });
      phase.say(
        `payees: deleted bank account ${extra.id} of user ${user.id}, a second copy of ${holders[0]?.id}`,
      );
    }
  }
}

/**
 * Every row's ids, and whether this batch created its payee or account: its journal holds a
 * create of that user or instruction that Bitex did not refuse (an unclear one settled by
 * the listing counts as ours: no other writer's create was seen for it).
 */
function resolutionsOf(
  rows: readonly ValidRow[],
  plan: PayeePlan,
  directory: PayeeDirectory,
  state: JournalState,
): Map<number, PayeeResolution> {
  const users = new Map(directory.users.map((user) => [user.id, user]));
  const byLine = new Map(rows.map((row) => [row.line, row]));
  const ours = (key: string) => {
    const create = state.payeeCreates.get(key);
    return create !== undefined && create.status !== "refused";
  };
  const resolutions = new Map<number, PayeeResolution>();
  for (const resolved of plan.rows) {
    const row = byLine.get(resolved.line) as ValidRow;
    const payee = row.payee as NonNullable<ValidRow["payee"]>;
    const userId = resolved.userId as string;
    const created =
      ours(payeeCreateKey("user", userCreateKey(payee.email))) ||
      ours(
        payeeCreateKey(
          "withdrawal_instruction",
          accountCreateKey(payee.email, payee.account, portCurrency(row.port)),
        ),
      );
    resolutions.set(row.line, {
      line: row.line,
      payee_key: payeeKeyOf(row),
      user_id: userId,
      withdrawal_instruction_id: resolved.instructionId as string,
      status: created ? "created" : "found",
      compliance: complianceOf(users.get(userId)),
    });
  }
  return resolutions;
}

function now(): string {
  return new Date().toISOString();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
