// Which Delta tables this reader may read (PROTOCOL.md "Protocol Evolution", "Table Features", "Reader Version
// Requirements"). A table that needs more is refused before any data row is read, naming what it needs.
import { SegmentError } from "../types.js";

export interface DeltaProtocol {
  minReaderVersion: number;
  readerFeatures?: string[] | null;
}

/**
 * Reader features implemented here. columnMapping, deletionVectors, timestampNtz and v2Checkpoint change how a table
 * is read and are handled; vacuumProtocolCheck only constrains VACUUM, which a reader never runs.
 */
export const SUPPORTED_READER_FEATURES: readonly string[] = ["columnMapping", "deletionVectors", "timestampNtz", "v2Checkpoint", "vacuumProtocolCheck"];
export const MAX_READER_VERSION = 3;

export class UnsupportedTableError extends SegmentError {}

/** Throws UnsupportedTableError unless every reader requirement of `protocol` is implemented. */
export function assertReadable(protocol: DeltaProtocol, table: string): void {
  const version = protocol.minReaderVersion;
  const unknown = (protocol.readerFeatures ?? []).filter((f) => !SUPPORTED_READER_FEATURES.includes(f));
  const needs: string[] = [];
  if (!Number.isInteger(version) || version < 1 || version > MAX_READER_VERSION) needs.push(`reader version ${version}`);
  if (unknown.length > 0) needs.push(`the reader feature${unknown.length > 1 ? "s" : ""} ${unknown.map((f) => JSON.stringify(f)).join(", ")}`);
  if (version === 3 && !Array.isArray(protocol.readerFeatures)) needs.push("reader version 3 without a list of reader features");
  if (needs.length === 0) return;
  throw new UnsupportedTableError(
    `the Delta table ${table} needs ${needs.join(" and ")}, which this reader does not support; it reads reader versions 1 to ${MAX_READER_VERSION} ` +
      `with the features ${SUPPORTED_READER_FEATURES.join(", ")}. Nothing was read.`,
  );
}

/** True when the table's protocol turns column mapping on (reader version 2, or 3 with the feature listed). */
export function columnMappingEnabled(protocol: DeltaProtocol): boolean {
  return protocol.minReaderVersion === 2 || (protocol.minReaderVersion === 3 && (protocol.readerFeatures ?? []).includes("columnMapping"));
}
