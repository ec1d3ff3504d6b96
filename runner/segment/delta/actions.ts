// The log actions a snapshot reader needs (PROTOCOL.md "Actions"), validated at the boundary. The same shapes come
// from JSON commits and from Parquet checkpoints (where longs arrive as bigint and absent structs as nulls); unknown
// actions and fields are ignored, as the protocol requires.
import { z } from "zod";

/** A malformed log record (the caller names the file). */
export class LogFormatError extends Error {}

const long = z.union([z.number(), z.bigint()]).transform(Number);

const DeletionVectorSchema = z.object({
  storageType: z.string(),
  pathOrInlineDv: z.string(),
  offset: long.nullish(),
  sizeInBytes: long,
  cardinality: long,
});

/** A Parquet struct that was null arrives as an object of nulls: treat it as absent. */
const absentIfEmpty = (key: string) => (v: unknown) => (v && typeof v === "object" && (v as Record<string, unknown>)[key] == null ? null : v);

const dv = z.preprocess(absentIfEmpty("storageType"), DeletionVectorSchema.nullish());

export const AddSchema = z.object({
  path: z.string(),
  partitionValues: z.record(z.string(), z.string().nullable()).nullish(),
  size: long.nullish(),
  stats: z.string().nullish(),
  deletionVector: dv,
});
export const RemoveSchema = z.object({ path: z.string(), deletionVector: dv });
export const ProtocolSchema = z.object({
  minReaderVersion: long,
  minWriterVersion: long.nullish(),
  readerFeatures: z.array(z.string()).nullish(),
});
export const MetadataSchema = z.object({
  schemaString: z.string(),
  partitionColumns: z.array(z.string()),
  configuration: z.record(z.string(), z.string().nullable()).nullish(),
  format: z.object({ provider: z.string().nullish() }).loose().nullish(),
});
export const SidecarSchema = z.object({ path: z.string(), sizeInBytes: long.nullish() });

export type AddAction = z.infer<typeof AddSchema>;
export type RemoveAction = z.infer<typeof RemoveSchema>;
export type ProtocolAction = z.infer<typeof ProtocolSchema>;
export type MetadataAction = z.infer<typeof MetadataSchema>;
export type SidecarAction = z.infer<typeof SidecarSchema>;
export type DeletionVector = z.infer<typeof DeletionVectorSchema>;

export interface Actions {
  adds: AddAction[];
  removes: RemoveAction[];
  protocol?: ProtocolAction;
  metadata?: MetadataAction;
  sidecars: SidecarAction[];
}

export const emptyActions = (): Actions => ({ adds: [], removes: [], sidecars: [] });

const SCHEMAS = { add: AddSchema, remove: RemoveSchema, protocol: ProtocolSchema, metaData: MetadataSchema, sidecar: SidecarSchema };

/**
 * Adds one action record ({add: …} / {remove: …} / …, as a JSON line or a checkpoint row) to `into`. Throws an Error
 * naming the action and the field (LogFormatError) for a malformed one.
 */
export function collectAction(record: Record<string, unknown>, into: Actions): void {
  for (const [kind, schema] of Object.entries(SCHEMAS)) {
    const value = record[kind];
    if (value === null || value === undefined) continue;
    if (kind === "add" || kind === "remove" || kind === "sidecar") {
      // Checkpoint rows hold one action each; the other struct columns are null or all-null.
      if ((value as { path?: unknown }).path == null) continue;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new LogFormatError(`a ${kind} action has an invalid ${issue.path.join(".") || "value"} (${issue.message})`);
    }
    if (kind === "add") into.adds.push(parsed.data as AddAction);
    else if (kind === "remove") into.removes.push(parsed.data as RemoveAction);
    else if (kind === "protocol") into.protocol = parsed.data as ProtocolAction;
    else if (kind === "metaData") into.metadata = parsed.data as MetadataAction;
    else into.sidecars.push(parsed.data as SidecarAction);
  }
}

/** The actions of a newline-delimited JSON log file (a commit, or a JSON V2 checkpoint). */
export function parseJsonActions(text: string, into: Actions = emptyActions()): Actions {
  let lineNo = 0;
  for (const line of text.split("\n")) {
    lineNo++;
    if (line.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new LogFormatError(`line ${lineNo} is not JSON`);
    }
    if (record === null || typeof record !== "object") throw new LogFormatError(`line ${lineNo} is not a JSON object`);
    try {
      collectAction(record as Record<string, unknown>, into);
    } catch (e) {
      throw e instanceof LogFormatError ? new LogFormatError(`line ${lineNo}: ${e.message}`) : e;
    }
  }
  return into;
}
