// POST /import/bulk_import (limits, validation, queueing), GET /import/info and GET /import/bulk_import.
import { MAX_BULK_BYTES, VALIDATION_MESSAGE, contactCount, validateBulk } from "./bulk.js";
import { formatRetryAfter } from "./limits.js";
import { ok, parseBody, type ApiReply, type ApiRules, type Handler } from "./reply.js";
import { dayOf } from "./shapes.js";
import { nowSeconds } from "./store.js";

function unknownBatch(answer: ApiRules["unknownBatchAnswer"], batchId: string): ApiReply {
  if (answer === "false") return ok({ status: false });
  if (answer === "400") return { status: 400, json: { success: 0, message: `'batchId' ${batchId} is not a valid batch.` } };
  return { status: 404, json: { success: 0, message: `No import found with batchId '${batchId}'.` } };
}

const bulkFailure = (message: string, failureReasons: unknown[]): ApiReply => ({ status: 400, json: { success: 0, message, failureReasons } });

export const postBulkImport: Handler = (ctx, req) => {
  const parsed = parseBody(req);
  const count = parsed.ok ? contactCount(parsed.value) : undefined;
  const single = count === 1;
  const { rules } = ctx;

  // The bulk limits: 100 multi-contact / 20 single-contact requests in any rolling minute. Refused requests do not
  // count toward the window (unless countRateLimitedBulk); requests admitted but then invalid do.
  const windows = single ? (rules.bulkSingleCountsTowardMulti ? [ctx.bulkSingle, ctx.bulkMulti] : [ctx.bulkSingle]) : [ctx.bulkMulti];
  let wait = 0;
  let binding = windows[0]!;
  for (const w of windows) {
    const ms = w.waitMs(req.now);
    if (ms > wait) {
      wait = ms;
      binding = w;
    }
  }
  if (wait > 0) {
    ctx.stats.bulkRateLimited++;
    if (rules.countRateLimitedBulk) for (const w of windows) w.take(req.now);
    const perMinute = binding.capacity;
    const body = {
      success: 0,
      message: "Rate limit exceeded.",
      failureReasons: [`Up to ${perMinute} imports may be requested per minute.Please batch contacts into larger requests, or retry this request in a minute.`],
    };
    if (rules.bulkRateLimitStatus === 429) {
      ctx.stats.rejected429++;
      return { status: 429, json: body, headers: { "Retry-After": formatRetryAfter(wait, rules.timeScale) } };
    }
    return { status: 400, json: body };
  }
  for (const w of windows) w.take(req.now);

  if (req.body.length >= MAX_BULK_BYTES) {
    return bulkFailure(
      `Payload too large: the request body is ${req.body.length} bytes; the maximum payload size of a single bulk_import request is ${MAX_BULK_BYTES} bytes (send at most ${MAX_BULK_BYTES - 1}). The import was not queued for processing.`,
      [`Request body of ${req.body.length} bytes; split the contacts into smaller requests.`],
    );
  }
  if (!parsed.ok) return bulkFailure(VALIDATION_MESSAGE, ["The request body is not valid JSON."]);
  const v = validateBulk(parsed.value, ctx.store, { duplicates: rules.bulkDuplicateEmails });
  if (!v.ok) {
    // Whether failureReasons[].contact counts from 0 or 1 is undocumented (REAL-ACCOUNT.md F11): failureIndexBase.
    const base = rules.failureIndexBase;
    return bulkFailure(v.message ?? VALIDATION_MESSAGE, v.failureReasons.map((r) => (typeof r === "string" ? r : { ...r, contact: r.contact + base })));
  }

  const batch = ctx.batches.enqueue(v.contacts, v.excludeAutomations, ctx.faults, req.now, undefined, v.topExclude);
  ctx.stats.bulkContactsReceived += v.contacts.length;
  ctx.stats.excludeAutomations += v.excludeAutomations;
  for (const c of v.contacts) ctx.stats.bulkEmails.add(c.key);
  return {
    status: 200,
    json: { Success: 1, queued_contacts: v.contacts.length, batchId: batch.id, message: "Contact import queued" },
    batchId: batch.id,
    contacts: v.contacts.length,
  };
};

export const getImportInfo: Handler = (ctx, req) => {
  const batchId = req.query.get("batchId");
  if (!batchId) return { status: 400, json: { success: 0, message: "'batchId' is a required field." } };
  const batch = ctx.batches.byId.get(batchId);
  const expired = batch?.done && req.now - batch.doneAt > ctx.rules.batchRetentionMs / ctx.rules.timeScale;
  // Unknown (or expired) batch ids are not documented: 404, `{"status":false}` for ever, or 400 (unknownBatchAnswer).
  if (!batch || expired) return unknownBatch(ctx.rules.unknownBatchAnswer, batchId);
  const status = ctx.batches.statusOf(batch, req.now);
  if (status === false) return ok({ status: false });
  return ok({ status, success: batch.success.map(String), failure: [...batch.failure] });
};

export const getBulkImports: Handler = (ctx) => {
  ctx.batches.settle(performance.now());
  const outstanding = new Map<string, { batches: number; contacts: number }>();
  const completed = new Map<string, { batches: number; contacts: number }>();
  const weekAgo = nowSeconds() - 7 * 86400;
  for (const b of ctx.batches.all()) {
    const into = !b.done ? outstanding : b.wallDone !== undefined && b.wallDone >= weekAgo ? completed : undefined;
    if (!into) continue;
    const day = dayOf(b.done ? (b.wallDone as number) : b.wallAt);
    const row = into.get(day) ?? { batches: 0, contacts: 0 };
    row.batches++;
    row.contacts += b.count;
    into.set(day, row);
  }
  const rows = (m: Map<string, { batches: number; contacts: number }>) =>
    [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([forDate, r]) => ({ forDate, batches: String(r.batches), contacts: String(r.contacts) }));
  return ok({ outstanding: rows(outstanding), recentlyCompleted: rows(completed) });
};
