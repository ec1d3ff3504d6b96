// What a run tells the person or the log while it works: on a TTY one progress line that rewrites itself; otherwise
// one JSON object per line (Azure Log Analytics parses these). Never given the API key.

export interface EventSink {
  event(name: string, data?: Record<string, unknown>): void;
  progress(p: Progress): void;
  /** Clear the progress line before normal output. */
  done(): void;
}

export interface Progress {
  phase: string;
  rowsRead?: number;
  batchesSent?: number;
  batchesConfirmed?: number;
  contactsConfirmed?: number;
  contactsToSend?: number;
  startedAt: number;
}

/** `exportName` is unknown only when the command stopped before its config loaded. */
export function createEventSink(stream: { write(s: string): unknown; isTTY?: boolean }, exportName: string | undefined, quiet = false): EventSink {
  const tty = !!stream.isTTY;
  let lastLine = 0;
  let lastProgressLog = 0;
  return {
    event(name, data = {}) {
      if (quiet) return;
      if (tty) {
        if (name === "warning" || name === "error" || name === "phase") {
          stream.write(`\r\x1b[K${name === "phase" ? "" : `${name}: `}${String(data.message ?? data.phase ?? "")}\n`);
        }
        return;
      }
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), export: exportName, event: name, ...data })}\n`);
    },
    progress(p) {
      if (quiet) return;
      const now = Date.now();
      const elapsedMin = (now - p.startedAt) / 60_000;
      const rate = p.contactsConfirmed && elapsedMin > 0 ? p.contactsConfirmed / elapsedMin : 0;
      const left = (p.contactsToSend ?? 0) - (p.contactsConfirmed ?? 0);
      const etaMin = rate > 0 && left > 0 ? left / rate : undefined;
      if (tty) {
        if (now - lastLine < 200) return;
        lastLine = now;
        const parts = [
          p.phase,
          p.rowsRead !== undefined ? `${p.rowsRead.toLocaleString("en-US")} rows read` : "",
          p.batchesSent !== undefined ? `${p.batchesSent} batches sent, ${p.batchesConfirmed ?? 0} confirmed` : "",
          p.contactsConfirmed !== undefined ? `${p.contactsConfirmed.toLocaleString("en-US")}/${(p.contactsToSend ?? 0).toLocaleString("en-US")} contacts` : "",
          rate ? `${Math.round(rate).toLocaleString("en-US")}/min` : "",
          etaMin !== undefined ? `ETA ${etaMin < 1 ? "<1" : Math.ceil(etaMin)} min` : "",
        ].filter(Boolean);
        stream.write(`\r\x1b[K${parts.join(" · ")}`);
        return;
      }
      if (now - lastProgressLog < 10_000) return; // logs: one progress line every 10 s
      lastProgressLog = now;
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), export: exportName, event: "progress", ...p, startedAt: undefined, contactsPerMinute: Math.round(rate), etaMinutes: etaMin === undefined ? undefined : Math.ceil(etaMin) })}\n`);
    },
    done() {
      if (tty && !quiet) stream.write("\r\x1b[K");
    },
  };
}
