/**
 * Who may delete a workspace. Prebuilds are workspaces owned by the prebuilds system user, and a
 * `prebuilt_workspace.delete` permission lets an operator clean a pool without the power to
 * delete anybody's own workspace.
 */

/** A permission an actor holds. */
export type WorkspacePermission =
  | "workspace.read"
  | "workspace.update"
  | "workspace.delete"
  | "prebuilt_workspace.update"
  | "prebuilt_workspace.delete";

/** The part of a workspace the check needs. */
export interface OwnedWorkspace {
  /** The owner's user id. */
  readonly ownerId: string;
}

/**
 * Whether an actor with `permissions` may delete `workspace`. Deletion needs read, update and
 * delete. `workspace.*` covers every workspace; `prebuilt_workspace.update`/`.delete` cover only
 * prebuilds (workspaces owned by `systemUserId`). Read is always `workspace.read`.
 *
 * @example
 * canDeleteWorkspace(new Set(["workspace.read", "workspace.update", "prebuilt_workspace.delete"]), { ownerId: systemUserId }, systemUserId); // → true
 */
export function canDeleteWorkspace(
  permissions: ReadonlySet<WorkspacePermission> | readonly WorkspacePermission[],
  workspace: OwnedWorkspace,
  systemUserId: string,
): boolean {
  const held = permissions instanceof Set ? permissions : new Set(permissions);
  const isPrebuild = workspace.ownerId === systemUserId;
  const can = (action: "update" | "delete") => held.has(`workspace.${action}`) || (isPrebuild && held.has(`prebuilt_workspace.${action}`));
  return held.has("workspace.read") && can("update") && can("delete");
}
