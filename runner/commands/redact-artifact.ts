// Every file the runner writes (report.md, report.json, changes.csv, rejected.csv, --report-json) goes through the
// same redactor as its terminal output: the run's API key never lands in a file that every connection user may read,
// whatever a message quoted. (Messages are also masked for other secret-like values where they are made: outcome.ts.)

/** `data` with every occurrence of the key replaced by "***"; a Buffer is only decoded when it holds the key. */
export function redactArtifact(data: string | Buffer, key: string | undefined): string | Buffer {
  if (!key || key.length < 4) return data;
  if (typeof data === "string") return data.includes(key) ? data.split(key).join("***") : data;
  return data.includes(key) ? Buffer.from(data.toString("utf8").split(key).join("***"), "utf8") : data;
}
