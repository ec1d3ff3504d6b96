// The error of every check before any write (exit code 2): prepare.ts and the field preflight throw it.
import { AcExportError } from "../errors.js";

export type PreflightCode = "LIST_NOT_FOUND" | "FIELD_NOT_FOUND" | "FIELD_TYPE_MISMATCH" | "COLUMN_NOT_FOUND" | "PREFLIGHT_FAILED";

/** Problems found before any write (exit code 2). */
export class PreflightError extends AcExportError {
  constructor(message: string, code: PreflightCode = "PREFLIGHT_FAILED") {
    super(code, message);
  }
}
