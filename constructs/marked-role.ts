// A role assignment that carries its contract marker (runner/config/contract.ts), so `ac-export review` reads who
// has it and why from the marker instead of parsing the description. The description is made from the same marker.
import { RoleAssignment, type RoleAssignmentConfig } from "@cdktf/provider-azurerm/lib/role-assignment/index.js";
import type { Construct } from "constructs";
import { MARKER_KEY, roleDescription, type RoleMarker } from "../runner/config/contract.js";

export function markedRoleAssignment(scope: Construct, id: string, config: Omit<RoleAssignmentConfig, "description">, marker: RoleMarker): RoleAssignment {
  const assignment = new RoleAssignment(scope, id, { ...config, description: roleDescription(marker) });
  // "//" is the comment key of Terraform's JSON syntax: Terraform ignores it, cdktf keeps its metadata there.
  assignment.addOverride(`//.${MARKER_KEY}`, marker);
  return assignment;
}
