// What the review lists besides the exports: every stateful resource by name (a rename means a replacement, which
// wipes state or keys, so it must show in the pull request) and every export's alerts with whom they notify.
import { JOB_TAGS, MARKER_KEY } from "../config/contract.js";

type Json = Record<string, unknown>;

export interface ReviewStateful {
  /** "storage account", "Key Vault" or "blob container". */
  kind: string;
  name: string;
  /** Construct path (cdk.tf.json metadata), or the logical ID. */
  path: string;
  /** For a container: its storage account's name. */
  account?: string;
  /** lifecycle.prevent_destroy; containers never carry it (their account does). */
  preventDestroy?: boolean;
  /** The reason given with allowDestroy, when prevent_destroy is off on purpose. */
  allowDestroyReason?: string;
}

export interface ReviewAlert {
  name: string;
  /** What it watches, e.g. "a run failed or was blocked". */
  what: string;
  /** Who it notifies: the action groups' emails and webhook hosts (never a webhook's path or query). */
  notifies: string[];
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const entries = (json: Json, type: string): Array<[string, Json]> => Object.entries((((json.resource ?? {}) as Json)[type] ?? {}) as Record<string, Json>);
const pathOf = (id: string, r: Json): string => str(((r["//"] as Json | undefined)?.metadata as Json | undefined)?.path) || id;
const refName = (json: Json, value: unknown): string | undefined => {
  const m = /^\$\{([a-z0-9_]+)\.([^.}]+)\.[a-z_]+\}$/.exec(str(value));
  if (!m) return undefined;
  const name = ((((json.resource ?? {}) as Json)[m[1]!] ?? {}) as Record<string, Json>)[m[2]!]?.name;
  return typeof name === "string" ? name : undefined;
};

const STATEFUL: ReadonlyArray<[string, string]> = [
  ["azurerm_storage_account", "storage account"],
  ["azurerm_key_vault", "Key Vault"],
  ["azurerm_storage_container", "blob container"],
];

/** Every storage account, Key Vault and container of a stack, with whether Terraform may destroy it. */
export function statefulOf(json: Json): ReviewStateful[] {
  const out: ReviewStateful[] = [];
  for (const [type, kind] of STATEFUL) {
    for (const [id, r] of entries(json, type)) {
      const lifecycle = (r.lifecycle ?? {}) as Json;
      const marker = ((r["//"] as Json | undefined)?.[MARKER_KEY] ?? {}) as Json;
      const account = type === "azurerm_storage_container" ? (refName(json, r.storage_account_id) ?? str(r.storage_account_name)) : undefined;
      out.push({
        kind,
        name: str(r.name) || id,
        path: pathOf(id, r),
        ...(account ? { account } : {}),
        ...(type !== "azurerm_storage_container" ? { preventDestroy: lifecycle.prevent_destroy === true } : {}),
        ...(typeof marker.allowDestroy === "string" ? { allowDestroyReason: marker.allowDestroy } : {}),
      });
    }
  }
  return out;
}

/** The alerts of each export (by the JOB_TAGS.export tag on the rules), with whom they notify. */
export function alertsByExport(json: Json): Map<string, ReviewAlert[]> {
  const groups = new Map(
    entries(json, "azurerm_monitor_action_group").map(([id, g]) => {
      const emails = (Array.isArray(g.email_receiver) ? (g.email_receiver as Json[]) : []).map((e) => str(e.email_address));
      const hooks = (Array.isArray(g.webhook_receiver) ? (g.webhook_receiver as Json[]) : []).map((w) => `webhook ${hostOf(str(w.service_uri))}`);
      return [`\${azurerm_monitor_action_group.${id}.id}` as string, [...emails, ...hooks]] as const;
    }),
  );
  const out = new Map<string, ReviewAlert[]>();
  for (const [id, rule] of entries(json, "azurerm_monitor_scheduled_query_rules_alert_v2")) {
    const exportName = ((rule.tags ?? {}) as Record<string, string>)[JOB_TAGS.export];
    if (!exportName) continue;
    const ids = ((rule.action as Json | undefined)?.action_groups ?? []) as string[];
    const list = out.get(exportName) ?? [];
    list.push({
      name: str(rule.name) || id,
      what: str(rule.display_name).replace(/^ac-export [^:]+: /, ""),
      notifies: ids.flatMap((g) => groups.get(g) ?? [g]),
    });
    out.set(exportName, list);
  }
  return out;
}

function hostOf(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return "(not a URL)";
  }
}
