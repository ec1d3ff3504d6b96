// Step 1 of a sync, prepare: check everything that can be checked before a write (key, list, custom fields,
// columns, who unsubscribed) and compute the plan (plan.ts). Writes nothing, so `ac-export plan` is only this step.
import type { AcClient } from "../ac/types.js";
import type { ExportConfig } from "../config.js";
import { loadConsentSet } from "./consent.js";
import { runDay } from "./refusals.js";
import { planSync } from "./plan.js";
import { mappedColumns, segmentOptions } from "./segment-options.js";
import { SyncState } from "./state.js";
import { applyFieldPreflight, fieldIdsOf, fieldsReportOf, inspectFields, tagIdsOf, valueMappingOf } from "./field-preflight.js";
import { PreflightError } from "./preflight-error.js";
import type { Prepared, SyncDeps, SyncMode } from "./types.js";

export { PreflightError } from "./preflight-error.js";

/**
 * Read state and segment, check list and fields, and compute the plan. Writes nothing to contacts; a run (not a plan)
 * whose plan is not blocked then creates the declared fields, options and tags that are missing (field-preflight.ts).
 */
export async function prepareSync(deps: SyncDeps, mode: SyncMode = "plan"): Promise<Prepared> {
  const { config, client, store, events } = deps;
  const scope = { hostname: config.connection.hostname, listId: config.listId };
  const loaded = await store.load();
  const { state, ignored } = SyncState.load(scope, loaded.snapshot, loaded.journal);
  for (const what of ignored) events.event("warning", { message: `state ignored: ${what} (the export now points at ${scope.hostname} list ${scope.listId})` });

  await client.checkKey();
  const list = await client.getList(config.listId);
  if (!list) throw new PreflightError(`listId: list ${config.listId} does not exist on ${config.connection.hostname} (or this API key's user cannot see it)`, "LIST_NOT_FOUND");
  if (list === "forbidden") throw new PreflightError(noPermission(config, "ActiveCampaign answered 403 \"You do not have permission to view lists.\""));
  await proveContactsVisible(client, config, state);
  const fieldCheck = await inspectFields(client, config);
  for (const message of fieldCheck.warnings) events.event("warning", { message });
  // Conversion depends on the fields' types and options only, so the plan's fingerprints hold after creation.
  const values = valueMappingOf(config, fieldCheck);
  const consent = await loadConsentSet(deps);

  const segment = await deps.openSegment(deps.segmentLocation, segmentOptions(config));
  try {
    const missingCols = mappedColumns(config).filter((c) => !segment.columns.includes(c));
    const noColumn = `segment ${segment.resolved} has no column ${missingCols.map((c) => `"${c}"`).join(", ")} (mapped in mappings)`;
    if (missingCols.length && segment.columns.length > 0 && !segment.columnsGrow) {
      throw new PreflightError(`${noColumn}; its columns: ${segment.columns.slice(0, 30).join(", ")}`, "COLUMN_NOT_FOUND");
    }
    const startedAt = Date.now();
    const plan = await planSync(config, segment, state, consent.members, (rowsRead) => events.progress({ phase: "reading segment", rowsRead, startedAt }), deps.allowRemovals, runDay(deps));
    // A reader that learns its columns only from the rows (an empty header) is checked once rows were read.
    const stillMissing = mappedColumns(config).filter((c) => !segment.columns.includes(c));
    if (plan.rowsRead > 0 && stillMissing.length) {
      throw new PreflightError(`segment ${segment.resolved} has no column ${stillMissing.map((c) => `"${c}"`).join(", ")} (mapped in mappings)`, "COLUMN_NOT_FOUND");
    }
    if (mode === "run" && !plan.blocked && fieldCheck.creations.length) {
      events.event("phase", { phase: `creating in ActiveCampaign: ${fieldCheck.creations.join("; ")}` });
      await applyFieldPreflight(client, fieldCheck);
      const ids = fieldIdsOf(fieldCheck);
      for (const f of values.fields) f.id = ids.get(f.tag) ?? f.id;
    }
    return {
      plan,
      state,
      ignoredState: ignored,
      listName: list.name,
      fieldIds: fieldIdsOf(fieldCheck),
      values,
      tagIds: tagIdsOf(fieldCheck),
      fields: fieldsReportOf(config, fieldCheck),
      consent,
      segmentResolved: segment.resolved,
      ...(segment.run ? { segmentRun: segment.run } : {}),
      ...(segment.pin ? { segmentPin: segment.pin } : {}),
    };
  } finally {
    await segment.close();
  }
}

/**
 * A key whose user group cannot see the list reads none of its contacts, so the unsubscribed set would be empty and
 * the plan would re-subscribe people (REAL-ACCOUNT.md F5). When the state says the sync keeps members on the list,
 * the key must see at least one contact of it.
 */
async function proveContactsVisible(client: AcClient, config: ExportConfig, state: SyncState): Promise<void> {
  const ours = state.activeCount();
  if (ours === 0 || !client.countListContacts) return;
  if ((await client.countListContacts(config.listId)) > 0) return;
  throw new PreflightError(noPermission(config, `this API key reads no contacts on the list, while this export keeps ${ours} members on it`));
}

function noPermission(config: ExportConfig, what: string): string {
  return (
    `listId: this API key's user cannot see list ${config.listId} or its contacts on ${config.connection.hostname} (${what}); ` +
    `nothing was written. In ActiveCampaign, Settings → Users → Groups → the key's user group → Permissions → Lists: ` +
    `give the group list ${config.listId}, or use the key of a user whose group has it.`
  );
}
