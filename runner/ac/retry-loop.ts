// The middle layer: one call from first attempt to result. Each attempt waits for the key gate and the rate budget,
// goes out through the transport, and decide.ts says what the answer means; this loop carries that out (back off,
// pause the budget, give up) and keeps the counters for the run report.
import { setTimeout as sleep } from "node:timers/promises";
import { endpointOf, isBulk, type Call } from "./call.js";
import { decide, FIRST_ATTEMPT, type Attempt, type Decision, type DecisionPolicy, type Observed } from "./decide.js";
import type { KeyGate } from "./key-gate.js";
import type { Lease, RateBudget } from "./rate-budget.js";
import type { Transport } from "./transport.js";
import { AcRequestError, ApiKeyRejectedError, type AcClientEvent, type AcClientStats } from "./types.js";

export interface RetryLoopOptions {
  transport: Transport;
  budget: RateBudget;
  gate: KeyGate;
  policy: DecisionPolicy;
  /** The client's signal: waits and attempts reject with its reason. */
  signal?: AbortSignal;
  emit: (event: AcClientEvent) => void;
  isClosed: () => boolean;
}

export interface RetryLoop {
  request<T>(call: Call<T>): Promise<T>;
  counts(): Pick<AcClientStats, "requestsByEndpoint" | "retriesByReason" | "bulkResends">;
}

type Throttle = Extract<Decision<unknown>, { kind: "throttle" }>;
type Retry = Extract<Decision<unknown>, { kind: "retry" }>;

export function createRetryLoop(options: RetryLoopOptions): RetryLoop {
  const { transport, budget, gate, policy, signal, emit } = options;
  const requestsByEndpoint: Record<string, number> = {};
  const retriesByReason: Record<string, number> = {};
  let bulkResends = 0;

  /**
   * One attempt: gate, budget slot, send, decision. The key verdict is recorded before the gate opens again. A 403
   * while the key is unknown keeps the gate through the backoff (released after the next attempt), so the other
   * calls keep waiting and a retry of the key check costs one request, not one per waiting call.
   */
  async function attemptOnce<T>(call: Call<T>, attempt: Attempt): Promise<{ decision: Decision<T>; lease: Lease; keptGate: boolean }> {
    const endpoint = endpointOf(call);
    const holdsGate = gate.take();
    let keepGate = false;
    try {
      const lease = await budget.acquire(call.slot ?? "general", signal);
      // Another call may have learnt meanwhile that the key is wrong.
      if (gate.rejected) {
        lease.done();
        throw new ApiKeyRejectedError(policy.hostname);
      }
      requestsByEndpoint[endpoint] = (requestsByEndpoint[endpoint] ?? 0) + 1;
      let observed: Observed;
      try {
        // The slot is given back when the response headers arrive (or the attempt fails): see rate-budget.ts.
        observed = { response: await transport.send(call, lease.done) };
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        observed = { error: e };
      } finally {
        lease.done();
      }
      const decision = decide(call, observed, { ...attempt, keyConfirmed: gate.confirmed }, policy);
      if (decision.key) gate.state = decision.key;
      if (decision.key === "rejected" && "response" in observed) emit({ type: "key-rejected", endpoint, status: observed.response.status });
      keepGate = holdsGate && decision.kind === "retry" && decision.forbidden && gate.state === "unknown";
      return { decision, lease, keptGate: keepGate };
    } finally {
      if (holdsGate && !keepGate) gate.release();
    }
  }

  /**
   * The server refused although our count had room: the budget takes this request out of its window and lowers its
   * ceiling to what the server evidently allows (rate-budget.ts), so the waiting requests go one per freed slot,
   * never all at once again.
   */
  function throttle(call: Call<unknown>, decision: Throttle, lease: Lease, retries: number): void {
    const { scope, reason, status } = decision;
    const ours = lease.rateLimited(scope);
    let pauseMs = decision.pauseMs;
    // Bulk "Rate limit exceeded." with none of ours in the window: someone else used the account's bulk budget;
    // wait a whole window. Otherwise the next bulk import goes when our oldest one leaves the window.
    if (scope === "bulk" && ours === 0) pauseMs = Math.max(pauseMs, budget.bulkWindowWaitMs());
    if (pauseMs > 0) budget.pause(pauseMs, scope);
    const waitMs = scope === "bulk" ? Math.max(pauseMs, budget.bulkWindowWaitMs()) : pauseMs;
    const endpoint = endpointOf(call);
    emit({ type: "throttle", endpoint, scope, reason, status, delayMs: Math.round(waitMs) });
    emit({ type: "retry", endpoint, reason, status, attempt: retries, delayMs: 0 });
  }

  async function backOff(call: Call<unknown>, decision: Retry, retries: number): Promise<void> {
    const { reason, status, delayMs } = decision;
    const resend = isBulk(call) && decision.received;
    if (resend) bulkResends++;
    const endpoint = endpointOf(call);
    emit({ type: "retry", endpoint, reason, ...(status !== undefined && { status }), attempt: retries, delayMs, ...(resend && { resend: true }) });
    // node:timers/promises rejects with an AbortError; callers see the signal's own reason, as everywhere else.
    await sleep(delayMs, undefined, { signal }).catch((e: unknown) => {
      throw signal?.aborted ? signal.reason : e;
    });
  }

  async function request<T>(call: Call<T>): Promise<T> {
    const endpoint = endpointOf(call);
    const attempt: Attempt = { ...FIRST_ATTEMPT };
    // This call kept the key gate through its backoff (a 403 while the key is unknown): it goes again, others wait.
    let keptGate = false;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      if (options.isClosed()) throw new AcRequestError(`ActiveCampaign client is closed (${endpoint})`, undefined, endpoint);
      if (gate.rejected) throw new ApiKeyRejectedError(policy.hostname);
      if (!keptGate && gate.mustWait()) {
        await gate.wait();
        continue;
      }
      const result = await attemptOnce(call, attempt);
      const { decision, lease } = result;
      keptGate = result.keptGate;
      if (decision.kind === "ok") return decision.value;
      if (decision.kind === "fail") {
        if (decision.error instanceof ApiKeyRejectedError) {
          budget.cancelAll(decision.error);
          gate.release();
        }
        throw decision.error;
      }
      attempt.retries++;
      retriesByReason[decision.reason] = (retriesByReason[decision.reason] ?? 0) + 1;
      if (decision.kind === "throttle") {
        attempt.throttles++;
        throttle(call as Call<unknown>, decision, lease, attempt.retries);
      } else {
        attempt.faults++;
        if (decision.forbidden) attempt.forbidden++;
        try {
          await backOff(call as Call<unknown>, decision, attempt.retries);
        } catch (e) {
          // An abort during a backoff that kept the key gate: let the waiting calls see the abort too.
          if (keptGate) gate.release();
          throw e;
        }
      }
    }
  }

  return {
    request,
    counts: () => ({ requestsByEndpoint: { ...requestsByEndpoint }, retriesByReason: { ...retriesByReason }, bulkResends }),
  };
}
