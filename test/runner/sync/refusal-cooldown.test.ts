// The refusal cool-down (config refusals.retryAfterDays): a contact ActiveCampaign refused is remembered with the day
// of the refusal; unchanged runs before the cool-down send nothing for it, the first run after it sends it again.
// The engine against the real sandbox and file state store, with an injected clock (no real waiting).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { resolveBaseUrl } from "../../../runner/ac/base-url.js";
import { createAcClient } from "../../../runner/ac/client.js";
import { parseExportConfig, parseLocation } from "../../../runner/config.js";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { openSegment } from "../../../runner/segment/index.js";
import { openStateStore } from "../../../runner/state/index.js";
import { runSync } from "../../../runner/sync/engine.js";
import { createEventSink } from "../../../runner/sync/events.js";
import { SyncState } from "../../../runner/sync/state.js";
import type { SyncDeps } from "../../../runner/sync/types.js";
import { csvOf, people } from "../../helpers/export-fixture.js";

const DAY = 86_400_000;
const D = 20_000; // 2024-10-04, the day of the first refusal
let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50, seed: 5 });
  dir = mkdtempSync(join(tmpdir(), "ac-export-cooldown-"));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await sandbox.close();
});

it("refused on day D: not sent on D+1 or D+6; sent again on D+7 (retryAfterDays 7), which restarts the cool-down", async () => {
  const listId = sandbox.inspect.createList("cooldown").id;
  const config = parseExportConfig({
    name: "cooldown",
    connection: { name: "sandbox", hostname: "contoso.api-us1.com" },
    listId,
    segment: { source: "file:segment.csv" },
    mappings: { email: "Email", firstName: "First" },
    refusals: { retryAfterDays: 7 },
    state: "file:state",
  });
  const everyone = people(3, 0, "gold", "cooldown.example.com");
  const excluded = everyone[1]!.email;
  sandbox.inspect.exclude({ matchPhrase: excluded });
  writeFileSync(join(dir, "segment.csv"), csvOf(everyone));
  const client = createAcClient({ baseUrl: resolveBaseUrl("contoso.api-us1.com", { AC_API_URL: sandbox.url }), apiKey: sandbox.apiKey, hostname: "contoso.api-us1.com", rateLimit: config.rateLimit, timeScale: 50 });
  const store = openStateStore(parseLocation(config.state, dir), config.name);
  const deps = (day: number): SyncDeps => ({
    config,
    client,
    store,
    segmentLocation: parseLocation(config.segment.source, dir),
    openSegment,
    events: createEventSink({ write: () => true }, config.name, true),
    timeScale: 50,
    now: () => day * DAY + 13 * 3600_000,
  });
  const syncs = () => sandbox.inspect.requests().byEndpoint["POST /contact/sync"] ?? 0;
  const refusedOn = async () => {
    const loaded = await store.load();
    return SyncState.load({ hostname: "contoso.api-us1.com", listId }, loaded.snapshot, loaded.journal).state.refusedOn(excluded);
  };
  async function runOn(day: number) {
    const before = syncs();
    const run = await runSync(deps(day), "run");
    await run.release();
    const { outcome } = run;
    if (outcome.kind !== "completed") throw new Error(`run on day ${day}: ${outcome.kind}`);
    return { sent: syncs() - before, plan: outcome.prepared.plan, applied: outcome.applied! };
  }

  const first = await runOn(D);
  expect(first.sent).toBe(3);
  expect(first.applied.failed).toEqual([expect.objectContaining({ email: excluded, reason: expect.stringContaining("email_excluded") })]);
  expect(await refusedOn()).toBe(D);
  expect(sandbox.inspect.members(listId, 1).map((m) => m.email).sort()).toEqual([everyone[0]!.email, everyone[2]!.email]);

  for (const day of [D + 1, D + 6]) {
    const quiet = await runOn(day);
    expect(quiet.sent).toBe(0);
    expect(quiet.plan.refusedEarlier).toEqual([
      { row: 3, email: excluded, reason: "refused by ActiveCampaign on 2024-10-04; not sent again until its data changes or refusals.retryAfterDays (7) have passed" },
    ]);
    expect(quiet.applied.failed).toEqual([]);
  }

  const retried = await runOn(D + 7);
  expect(retried.sent).toBe(1);
  expect(retried.plan.refusedEarlier).toEqual([]);
  expect(retried.applied.failed).toEqual([expect.objectContaining({ email: excluded })]);
  expect(await refusedOn()).toBe(D + 7);

  expect((await runOn(D + 8)).sent).toBe(0);
  expect(sandbox.inspect.contact(excluded)).toBeUndefined();
  await client.close();
});
