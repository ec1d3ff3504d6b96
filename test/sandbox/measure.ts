// Measures the sandbox: memory with N contacts on one list (default 1,000,000) and the time to handle bulk imports.
// Not a vitest suite (no .test.ts). Run after `npm run build` (or any vitest run, which rebuilds dist/ac-export.mjs):
//
//   node --regexp-interpret-all --expose-gc --import tsx test/sandbox/measure.ts [contacts]
//
// 1. Starts `ac-export sandbox` as its own process with the limits lifted and 0 ms processing, loads N contacts on
//    one list through POST /import/bulk_import (250 per request, 4 in flight; each contact with first/last name,
//    phone, 2 custom fields, 1 tag), pages the list with id_greater, and reads the process's peak RSS (VmHWM).
// 2. In-process: validates and applies a 250-contact batch against the same account shape, many times (ms each).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { request } from "undici";
import { BatchQueue, validateBulk } from "../../runner/sandbox/bulk.js";
import { Account } from "../../runner/sandbox/account.js";
import { FaultInjector, Prng } from "../../runner/sandbox/faults.js";
import { Store } from "../../runner/sandbox/store.js";

const N = Number(process.argv[2] ?? 1_000_000);
const CLI = resolve(import.meta.dirname, "../../dist/ac-export.mjs");
const KEY = "measure-key";

const contactsFor = (from: number, n: number, fieldA: number, fieldB: number, listId: number) =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      email: `member.${i}@example.com`,
      first_name: `First${i % 1000}`,
      last_name: `Last${i % 997}`,
      phone: `+1555${String(i).padStart(7, "0")}`,
      fields: [
        { id: fieldA, value: ["gold", "silver", "bronze"][i % 3]! },
        { id: fieldB, value: `2024-01-${String((i % 28) + 1).padStart(2, "0")}` },
      ],
      tags: ["vip"],
      subscribe: [{ listid: listId }],
      exclude_automations: true,
    };
  });

function status(pid: number): { rssMiB: number; hwmMiB: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rssMiB: kb("VmRSS") / 1024, hwmMiB: kb("VmHWM") / 1024 };
}

async function processMemory(): Promise<void> {
  const child = spawn(
    process.execPath,
    ["--regexp-interpret-all", CLI, "sandbox", "--api-key", KEY, "--requests-per-second", "1000000", "--bulk-per-minute", "1000000", "--processing-ms", "0"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((res, rej) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) res(m[1]!);
    });
    child.on("exit", (code) => rej(new Error(`sandbox exited ${code}`)));
  });
  const pid = child.pid!;
  const base = status(pid);
  const post = async (path: string, body: unknown) => {
    const r = await request(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return (await r.body.json()) as { id: number };
  };
  const list = await post("/__sandbox/lists", { name: "Members" });
  const fa = await post("/__sandbox/fields", { title: "Tier", perstag: "TIER" });
  const fb = await post("/__sandbox/fields", { title: "Since", perstag: "SINCE", type: "date" });
  const t0 = performance.now();
  let next = 0;
  const latencies: number[] = [];
  const worker = async () => {
    while (next < N) {
      const from = next;
      const n = Math.min(250, N - from);
      next += n;
      const body = JSON.stringify({ contacts: contactsFor(from, n, fa.id, fb.id, list.id) });
      const t = performance.now();
      const r = await request(`${url}/api/3/import/bulk_import`, { method: "POST", headers: { "Api-Token": KEY, "content-type": "application/json" }, body });
      const j = (await r.body.json()) as { batchId?: string };
      latencies.push(performance.now() - t);
      if (r.statusCode !== 200 || !j.batchId) throw new Error(`bulk import answered ${r.statusCode}: ${JSON.stringify(j)}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const loadS = (performance.now() - t0) / 1000;
  // Let the last batches complete, then page the whole list with id_greater (a few pages are enough to time it).
  await new Promise((r) => setTimeout(r, 200));
  let last = 0;
  let pages = 0;
  const tp = performance.now();
  for (; pages < 50; pages++) {
    const r = await request(`${url}/api/3/contacts?listid=${list.id}&status=1&limit=100&orders[id]=ASC&id_greater=${last}`, { headers: { "Api-Token": KEY } });
    const j = (await r.body.json()) as { contacts: Array<{ id: string }>; meta: { total: string } };
    if (pages === 0 && Number(j.meta.total) !== N) throw new Error(`list total ${j.meta.total}, expected ${N}`);
    last = Number(j.contacts.at(-1)?.id ?? last);
  }
  const pageMs = (performance.now() - tp) / pages;
  const members = await request(`${url}/__sandbox/requests?log=0`);
  const stats = (await members.body.json()) as { batches: { completed: number } };
  const mem = status(pid);
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(1);
  console.log(`sandbox process, ${N.toLocaleString("en-US")} contacts on one list (${stats.batches.completed} batches completed):`);
  console.log(`  RSS at start ${base.rssMiB.toFixed(0)} MiB; after load ${mem.rssMiB.toFixed(0)} MiB; peak (VmHWM) ${mem.hwmMiB.toFixed(0)} MiB`);
  console.log(`  load: ${loadS.toFixed(1)} s for ${latencies.length} bulk imports over HTTP (4 in flight); latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);
  console.log(`  GET /contacts?listid&status=1&limit=100&id_greater: ${pageMs.toFixed(1)} ms per page`);
}

function inProcess(): void {
  const store = new Store();
  const list = store.createList({ name: "Members" });
  const fa = store.createField({ title: "Tier", perstag: "TIER" });
  const fb = store.createField({ title: "Since", perstag: "SINCE", type: "date" });
  const q = new BatchQueue(store, new Account(), { falseMs: 0, processingMs: 0, contactsPerMs: 0, jitter: 0 }, {
    successIncludesUpdated: false,
    contactLimit: Infinity,
    skippedInFailure: false,
    bulkSubscribeInactive: "activate",
    bulkUnsubscribeCreates: true,
    excludeAutomationsReading: "per-contact",
    fieldValueReading: "coerce",
    accountTimeZone: "UTC",
  }, new Prng(1));
  const faults = new FaultInjector({}, 1);
  const rounds = 400;
  let validateMs = 0;
  let applyMs = 0;
  for (let r = 0; r < rounds; r++) {
    const text = JSON.stringify({ contacts: contactsFor(r * 250, 250, fa.id, fb.id, list.id) });
    const t = performance.now();
    const v = validateBulk(JSON.parse(text), store, { duplicates: "reject" });
    if (!v.ok) throw new Error("invalid batch");
    const t1 = performance.now();
    q.enqueue(v.contacts, 0, faults, t1);
    q.settle(t1 + 1);
    const t2 = performance.now();
    validateMs += t1 - t;
    applyMs += t2 - t1;
  }
  console.log(`in-process, 250-contact batch (${rounds} batches): parse+validate ${(validateMs / rounds).toFixed(2)} ms, apply ${(applyMs / rounds).toFixed(2)} ms`);
}

inProcess();
await processMemory();
