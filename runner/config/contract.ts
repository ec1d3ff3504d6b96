// The contract between the constructs, which write cdk.tf.json, and the runner and its review, which read it: the
// job's environment, the job's tags, the Azure role names and the markers on role assignments and on the stack.
// Defined here once; constructs/ and runner/review/ import it, so neither side spells these strings itself.
import { z } from "zod";

/** The environment of an export's job container. */
export const JOB_ENV = {
  /** The normalized ExportConfig as JSON (the runner's config when --config is not given). */
  config: "AC_EXPORT_CONFIG",
  /** The ActiveCampaign API key, from a Key Vault reference. */
  apiKey: "AC_API_KEY",
  /** Selects the job's user-assigned identity for DefaultAzureCredential. */
  azureClientId: "AZURE_CLIENT_ID",
  /** Bundle mode: blob URL of the runner bundle the bootstrap fetches. */
  runnerUrl: "AC_EXPORT_RUNNER_URL",
  /** Bundle mode: the bundle's expected SHA-256 (hex), pinned in the job definition. */
  runnerSha256: "AC_EXPORT_RUNNER_SHA256",
} as const;

/** The job's secret (a Key Vault reference) that feeds JOB_ENV.apiKey. */
export const JOB_API_KEY_SECRET = "ac-api-key";

/** Tags on each export's job: what the review shows when the config alone does not say it. */
export const JOB_TAGS = {
  export: "ac-export:export",
  connection: "ac-export:connection",
  connectionDisplayName: "ac-export:connection-display-name",
  dataPrivacyAccepted: "ac-export:data-privacy-accepted",
  /** The schedule the export has when enabled (kept while disabled). */
  schedule: "ac-export:schedule",
} as const;

/** Built-in Azure roles the constructs assign and the review recognizes (names; IDs for reference). */
export const ROLES = {
  keyVaultSecretsUser: "Key Vault Secrets User", // 4633458b-17de-408a-b874-0445c86b69e6
  keyVaultSecretsOfficer: "Key Vault Secrets Officer", // b86a8fe4-44ce-4948-aee5-eccb2c155cd7
  blobDataReader: "Storage Blob Data Reader", // 2a2b9908-6ea1-4ae2-8e65-a410df84e7d1
  blobDataContributor: "Storage Blob Data Contributor", // ba92f5b4-2d11-453d-a403-e96b0029c9fe
  jobsOperator: "Container Apps Jobs Operator", // b9a307c4-5aa3-4b52-ba60-2b17c136cd7b
} as const;

/**
 * Markers live under this key in cdktf's "//" comment objects, which Terraform ignores: on a role assignment
 * (`resource.<type>.<id>["//"]["ac-export"]`) and on the stack (`["//"]["ac-export"]`). Only `cdktf synth` writes
 * them; cdktf's Testing.synth drops every "//".
 */
export const MARKER_KEY = "ac-export";

/** What a person's role assignment on an export grants. */
export const GRANTS = {
  /** Container Apps Jobs Operator on the job: start it on demand, stop it, see its runs. */
  runExport: "run-export",
  /** Storage Blob Data Reader on the export's state container: read its run reports. */
  readReports: "read-reports",
} as const;

export const roleMarkerSchema = z.object({
  grant: z.enum([GRANTS.runExport, GRANTS.readReports]),
  /** The export's name. */
  export: z.string(),
  /** The principal in words, e.g. "Dana (user 4b3a…)". */
  principal: z.string(),
  /** The principal's display name, or its label when it has none. */
  name: z.string(),
  /** Why the principal has it, e.g. "user of connection marketing-eu". */
  reason: z.string(),
});
export type RoleMarker = z.infer<typeof roleMarkerSchema>;

/** The role assignment's Azure description, made from its marker (what the Azure portal shows). */
export function roleDescription(m: RoleMarker): string {
  const what = m.grant === GRANTS.runExport ? `may run export ${m.export} on demand` : `may read the run reports of export ${m.export}`;
  return `ac-export: ${m.principal}, ${m.reason}, ${what}`;
}

/** A suppressed ExportChecks rule, as ExportChecks records it on the stack for the review. */
export const suppressionMarkerSchema = z.object({
  rule: z.string(),
  /** What the rule wants, in one line. */
  summary: z.string().optional(),
  /** The construct path the suppression is on (it covers everything under it). */
  path: z.string(),
  reason: z.string(),
  /** The findings it silenced in this stack: construct path and message. */
  findings: z.array(z.object({ path: z.string(), message: z.string() })),
});
export type SuppressionMarker = z.infer<typeof suppressionMarkerSchema>;

export const stackMarkerSchema = z.object({ suppressions: z.array(suppressionMarkerSchema).default([]) });
export type StackMarker = z.infer<typeof stackMarkerSchema>;

/** The marker of one synthesized element ("//" of a resource or of the stack), or undefined when absent or malformed. */
export function readMarker<T>(schema: z.ZodType<T>, element: unknown): T | undefined {
  const comment = (element as { "//"?: Record<string, unknown> } | undefined)?.["//"];
  const parsed = schema.safeParse(comment?.[MARKER_KEY]);
  return parsed.success ? parsed.data : undefined;
}

/** The last line of the job's JSON log (runner/commands/sync-command.ts), as the alerts read it (constructs/alert-queries.ts). */
export const RUN_LOG = {
  finishedEvent: "finished",
  /** Statuses of a run that ended without failing (rows may still have been rejected). */
  okStatuses: ["succeeded", "completed-with-problems"],
  failedStatuses: ["failed", "blocked"],
  /** Rows read; rows rejected in the file; contacts refused by ActiveCampaign. */
  rowsRead: "rowsRead",
  rejected: "rejected",
  refused: "refused",
} as const;
