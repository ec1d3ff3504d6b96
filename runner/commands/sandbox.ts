import { numberOption, parseCommandArgs, UsageError } from "../cli/args.js";
import type { Command } from "../cli/command.js";
import { EXIT } from "../cli/exit-codes.js";
import { DataFileError, SandboxOptionError, startSandbox, type SandboxOptions } from "../sandbox/index.js";
import { realAccountArgs, realAccountOptions } from "./sandbox-flags.js";

export const command: Command = {
  name: "sandbox",
  summary: "start a local ActiveCampaign API sandbox (no account, no network)",
  help: `Usage: ac-export sandbox [--port 0] [--host 127.0.0.1] [--api-key KEY] [--time-scale N]
                         [--faults SPEC] [--seed N] [--data FILE] [options]

Starts a local HTTP server that behaves like one ActiveCampaign account for the API v3 endpoints the runner
uses: the same response shapes, status codes and error bodies, the account's rate limits (5 requests/s on every
endpoint; 100 multi-contact and 20 single-contact bulk imports per minute), asynchronous bulk imports, and
optional seeded faults. Prints "listening on http://127.0.0.1:<port>" and the API key, then serves until
SIGINT/SIGTERM (Ctrl-C). Point the runner at it with AC_API_URL=<url> and AC_API_KEY=<key>.

Options:
  --port <n>              TCP port; 0 picks a free one (default 0)
  --host <addr>           address to listen on: a loopback address only (127.0.0.1, ::1, localhost)
                          unless --allow-non-loopback (default 127.0.0.1)
  --allow-non-loopback    allow another --host (the sandbox has no TLS and a single shared key)
  --api-key <key>         the Api-Token every request must send; without it a random key is generated
                          and printed
  --time-scale <n>        run n times faster: every window, Retry-After, processing delay and slow-response
                          delay is divided by n, ratios stay exact (default 1). Retry-After is then sent as
                          decimal seconds (e.g. 0.05), which is not standard HTTP.
  --faults <spec>         inject faults with these probabilities, e.g.
                          "429:0.05,503:0.02,500:0.01,reset:0.01,html504:0.01,slow:0.02,bulkfail:0.02"
                          kinds: 429 (extra 429 + Retry-After), 503, 500, reset (connection dropped mid-
                          response), html504 (Cloudflare HTML 504 page), slow (response delayed 5 s, scaled),
                          bulkfail / bulkinterrupt (a queued import ends failed / interrupted, nothing applied),
                          contactfail (one contact of a queued import fails). Default: none.
  --seed <n>              seed of the fault sequence; the same requests get the same faults (default 1)
  --data <file>           load the account from this JSON file (if it exists) and save it back every few
                          seconds while it changes and on exit
  --requests-per-second <n>   the account's request budget (default 5)
  --bulk-per-minute <n>       multi-contact bulk imports per rolling minute (default 100)
  --bulk-single-per-minute <n> single-contact bulk imports per rolling minute (default 20)
  --processing-ms <n>     time from a bulk import to its completion, before --time-scale (default 2000)
  --contact-limit <n>     the plan's contact limit: new imported contacts beyond it are skipped (default: none)
  --bulk-rate-limit-status <400|429>
                          status of the bulk "Rate limit exceeded." answer (default 400, the documented one;
                          429 also sends Retry-After)
  --bulk-duplicates <reject|last-wins>
                          the same email twice in one bulk import rejects the batch (default) or the last wins
  --lean-contacts         keep per contact only its email, dates and list memberships (names, phones, field
                          values and tags are accepted and dropped): 10,000,000 contacts in a few GB, for
                          benchmarks; count members with GET /__sandbox/lists/<id>/counts. Not with --data

Readings of a real account (README "Readings of the real account"; default first):
  --contact-lists-resubscribe <any|sourceid4>   contactLists status 1 re-subscribes whatever sourceid (documented)
  --bulk-subscribe-inactive <activate|keep>     bulk subscribe on unconfirmed (0) / bounced (3) members
  --skipped-in-failure <false|true>             skipped contacts (exclusion, bounce, contact limit) in "failure"
  --bulk-unsubscribe-creates <true|false>       an unsubscribe-only import creates a missing contact
  --exclude-automations-reading <top-level|per-contact|either>
  --failure-index-base <0|1>                    index base of a rejected import's failureReasons[].contact
  --restricted-key <KEY=LIST[,LIST…]>           a key whose user group sees only these lists (repeatable)
  --field-value-reading <coerce|fail>           bad dates → 1899-12-31 and unknown options hidden, or the import fails
  --account-time-zone <IANA zone>               datetimes are stored in it (default UTC)
  --fields-offset <ignored|honoured>            whether GET /fields honours offset
  --fail-pattern <text|/regex/flags>            a bulk import containing it ends failed
  --import-rate <contacts/min>                  slow queue: batches one after another at this rate (default 0 = fast)
  --import-jitter <0..1>                        ± variation of each batch's processing time in the slow queue
  --unknown-batch-answer <404|false|400>        /import/info for an unknown or expired batchId
  --batch-retention-ms <n>                      how long a finished batch stays known (default forever)
  --rate-limit-answer <429|503>                 the 5 requests/s limiter's answer (503: HTML, no Retry-After)
  --background-tenant-rps <n>                   another integration spends this many requests/s (default 0)
  --contacts-page-delay-ms <n>                  extra ms per /contacts page per 10,000 contacts in the list
  --list-order-ignored <false|true>             /contacts?listid ignores orders[id]
  --status-change-touches-contact <false|true>  an unsubscribe or bounce also sets the contact's udate
  -h, --help              show this help

Inspection (no token needed, never rate-limited or faulted): GET <url>/__sandbox lists the endpoints, e.g.
GET /__sandbox/lists/<id>/members?status=1, GET /__sandbox/lists/<id>/counts, GET /__sandbox/requests, POST /__sandbox/seed, POST /__sandbox/reset.

Exit codes: 0 stopped by a signal, 1 failed to start or crashed, 2 bad arguments.
`,
  async run(argv, io) {
    const { values } = parseCommandArgs("sandbox", argv, {
      port: { type: "string" },
      host: { type: "string" },
      "allow-non-loopback": { type: "boolean" },
      "api-key": { type: "string" },
      "time-scale": { type: "string" },
      faults: { type: "string" },
      seed: { type: "string" },
      data: { type: "string" },
      "requests-per-second": { type: "string" },
      "bulk-per-minute": { type: "string" },
      "bulk-single-per-minute": { type: "string" },
      "processing-ms": { type: "string" },
      "contact-limit": { type: "string" },
      "bulk-rate-limit-status": { type: "string" },
      "bulk-duplicates": { type: "string" },
      "lean-contacts": { type: "boolean" },
      ...realAccountArgs,
    });
    const int = (flag: string, raw: string | undefined, min: number) => {
      if (raw === undefined) return undefined;
      const n = numberOption(flag, raw, 0, min);
      if (!Number.isInteger(n)) throw new UsageError(`--${flag} must be a whole number ≥ ${min}; got ${JSON.stringify(raw)}`);
      return n;
    };
    const timeScale = values["time-scale"] === undefined ? undefined : numberOption("time-scale", values["time-scale"], 1, 0);
    if (timeScale === 0) throw new UsageError('--time-scale must be a number > 0; got "0"');
    const status = values["bulk-rate-limit-status"];
    if (status !== undefined && status !== "400" && status !== "429") throw new UsageError(`--bulk-rate-limit-status must be 400 or 429; got ${JSON.stringify(status)}`);
    const dups = values["bulk-duplicates"];
    if (dups !== undefined && dups !== "reject" && dups !== "last-wins") throw new UsageError(`--bulk-duplicates must be reject or last-wins; got ${JSON.stringify(dups)}`);
    const port = int("port", values.port, 0);
    if (port !== undefined && port > 65535) throw new UsageError(`--port must be 0-65535; got ${JSON.stringify(values.port)}`);

    const options: SandboxOptions = {
      ...(port !== undefined && { port }),
      ...(values.host !== undefined && { host: values.host }),
      ...(values["allow-non-loopback"] && { allowNonLoopback: true }),
      ...(values["api-key"] !== undefined && { apiKey: values["api-key"] }),
      ...(timeScale !== undefined && { timeScale }),
      ...(values.faults !== undefined && { faults: values.faults }),
      ...(values.seed !== undefined && { seed: int("seed", values.seed, 0) }),
      ...(values.data !== undefined && { data: values.data }),
      ...(values["requests-per-second"] !== undefined && { requestsPerSecond: int("requests-per-second", values["requests-per-second"], 1) }),
      ...(values["bulk-per-minute"] !== undefined && { bulkPerMinute: int("bulk-per-minute", values["bulk-per-minute"], 1) }),
      ...(values["bulk-single-per-minute"] !== undefined && { bulkSinglePerMinute: int("bulk-single-per-minute", values["bulk-single-per-minute"], 1) }),
      ...(values["processing-ms"] !== undefined && { bulkProcessingMs: numberOption("processing-ms", values["processing-ms"], 2000, 0) }),
      ...(values["contact-limit"] !== undefined && { contactLimit: int("contact-limit", values["contact-limit"], 0) }),
      ...(status !== undefined && { bulkRateLimitStatus: Number(status) as 400 | 429 }),
      ...(dups !== undefined && { bulkDuplicateEmails: dups }),
      ...(values["lean-contacts"] && { leanContacts: true }),
      ...realAccountOptions(values),
    };

    let sandbox;
    try {
      sandbox = await startSandbox(options);
    } catch (e) {
      if (e instanceof SandboxOptionError) throw new UsageError(e.message);
      if (e instanceof DataFileError) throw new UsageError(e.message);
      const err = e as NodeJS.ErrnoException;
      if (err.code === "EADDRINUSE" || err.code === "EACCES" || err.code === "EADDRNOTAVAIL") {
        io.stderr.write(`ac-export sandbox: cannot listen on ${options.host ?? "127.0.0.1"}:${options.port ?? 0}: ${err.code}\n`);
        return EXIT.FAILED;
      }
      throw e;
    }

    const o = sandbox.options;
    // One write, so a reader of the pipe gets the whole banner at once.
    io.stdout.write(
      [
        `listening on ${sandbox.url}`,
        options.apiKey === undefined ? `api key: ${sandbox.apiKey}` : "api key: the one given with --api-key",
        `limits: ${o.requestsPerSecond} requests/s, ${o.bulkPerMinute} bulk imports/min (${o.bulkSinglePerMinute} single-contact)` +
          `${o.timeScale !== 1 ? `, time scale ${o.timeScale}x` : ""}; faults: ${sandbox.inspect.faults()}${Object.keys(o.faults).length ? ` (seed ${o.seed})` : ""}` +
          `${options.data ? `; data: ${options.data}` : ""}`,
        `use it: AC_API_URL=${sandbox.url} AC_API_KEY=<key>; inspect: ${sandbox.url}/__sandbox`,
        "",
      ].join("\n"),
    );

    if (!io.signal.aborted) await new Promise<void>((resolve) => io.signal.addEventListener("abort", () => resolve(), { once: true }));
    try {
      await sandbox.close();
    } catch (e) {
      io.stderr.write(`ac-export sandbox: stopped, but could not save --data ${JSON.stringify(options.data)}: ${(e as Error).message}\n`);
      return EXIT.FAILED;
    }
    io.stderr.write("sandbox stopped\n");
    return EXIT.OK;
  },
};
