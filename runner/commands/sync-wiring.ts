// Wires one sync from the loaded config and the environment: the API key, the base URL (AC_API_URL), the sandbox
// time scale, the ActiveCampaign client, the state store and the segment reader. The engine gets them as SyncDeps.
import { resolveBaseUrl } from "../ac/base-url.js";
import { createAcClient } from "../ac/client.js";
import type { AcClient } from "../ac/types.js";
import { UsageError } from "../cli/args.js";
import type { Io } from "../cli/command.js";
import type { LoadedConfig } from "../cli/load-config.js";
import { parseLocation } from "../config.js";
import { openSegment } from "../segment/index.js";
import { openStateStore } from "../state/index.js";
import { ConnectionBudget } from "../state/connection-budget.js";
import type { StateStore } from "../state/types.js";
import type { EventSink } from "../sync/events.js";
import type { SyncDeps } from "../sync/types.js";

export interface WiredSync {
  deps: SyncDeps;
  client: AcClient;
  store: StateStore;
  /** This run's registration in the connection's budget (join before the first request, leave at the end). */
  share?: ConnectionBudget;
}

/**
 * AC_TIME_SCALE: for a sandbox started with --time-scale N, the rate windows and backoff are N times shorter so the
 * run keeps the real limits' ratios. Only with AC_API_URL (a loopback sandbox); never against ActiveCampaign.
 */
function sandboxTimeScale(env: NodeJS.ProcessEnv): number {
  if (env.AC_TIME_SCALE === undefined) return 1;
  const n = Number(env.AC_TIME_SCALE);
  if (!env.AC_API_URL) throw new UsageError("AC_TIME_SCALE is only for a sandbox: set AC_API_URL to the sandbox's URL too");
  if (!Number.isFinite(n) || n < 1) throw new UsageError(`AC_TIME_SCALE must be a number ≥ 1; got ${JSON.stringify(env.AC_TIME_SCALE)}`);
  return n;
}

/**
 * AC_EXPORT_CONFIRM_HOURS: how long a bulk import may stay pending at ActiveCampaign (AC time) before the run leaves
 * it open for the next run (README "Slow imports"). Hours, more than 0 and at most 168.
 */
function confirmHours(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.AC_EXPORT_CONFIRM_HOURS;
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 168) throw new UsageError(`AC_EXPORT_CONFIRM_HOURS must be a number of hours above 0 and at most 168; got ${JSON.stringify(raw)}`);
  return n;
}

/** Throws USAGE (no key, bad AC_TIME_SCALE), BASE_URL_INVALID or LOCATION_INVALID before anything is contacted. */
export function wireSync(loaded: LoadedConfig, apiKey: string | undefined, io: Io, events: EventSink): WiredSync {
  const { config, baseDir } = loaded;
  if (!apiKey) throw new UsageError("AC_API_KEY is not set: export the ActiveCampaign API key (Settings → Developer) in the AC_API_KEY environment variable");
  const baseUrl = resolveBaseUrl(config.connection.hostname, io.env);
  const timeScale = sandboxTimeScale(io.env);
  const importConfirmHours = confirmHours(io.env);
  const client = createAcClient({
    baseUrl,
    apiKey,
    hostname: config.connection.hostname,
    rateLimit: config.rateLimit,
    signal: io.signal,
    timeScale,
    onEvent: (e) => {
      const { type, ...rest } = e;
      events.event(type, rest);
    },
  });
  const store = openStateStore(parseLocation(config.state, baseDir), config.name);
  const deps: SyncDeps = {
    config,
    client,
    store,
    segmentLocation: parseLocation(config.segment.source, baseDir),
    openSegment,
    events,
    signal: io.signal,
    timeScale,
    ...(importConfirmHours !== undefined ? { importConfirmHours } : {}),
  };
  return { deps, client, store, ...connectionShare(store, config, client, timeScale, events) };
}

/**
 * The exports of this connection that keep their state in the same place divide its rate budget (issue #12). The
 * heartbeat follows the sandbox's time scale, but not below a second (the store's latency, a busy machine's stalls).
 */
function connectionShare(store: StateStore, config: LoadedConfig["config"], client: AcClient, timeScale: number, events: EventSink): { share?: ConnectionBudget } {
  const registry = store.connectionRegistry?.(config.connection.hostname);
  const setShare = client.setRateShare?.bind(client);
  if (!registry || !setShare) return {};
  const share = new ConnectionBudget({
    registry,
    exportName: config.name,
    configured: config.rateLimit,
    apply: setShare,
    heartbeatMs: Math.max(1000, 5000 / timeScale),
    onEvent: (name, data) => events.event(name, data),
  });
  return { share };
}
