/**
 * Which membership inserts make the prebuilds system user able to build in every organization
 * with presets. One read of every organization's status replaces a check per preset.
 */

/** The status of one organization, as `Store.organizationsWithPrebuildStatus` reads it. */
export interface MembershipStatusRow {
  /** The organization. */
  readonly organizationId: string;
  /** Whether the system user is a member. */
  readonly systemUserIsMember: boolean;
  /** Whether the prebuilds group exists. */
  readonly prebuildsGroupExists: boolean;
  /** Whether the system user is in the prebuilds group. */
  readonly systemUserInGroup: boolean;
}

/** One insert to make, in the order they must happen within an organization. */
export interface MembershipAction {
  /** The organization. */
  readonly organizationId: string;
  /** `member`: add the user to the organization; `group`: create the group; `groupMember`: add the user to it. */
  readonly step: "member" | "group" | "groupMember";
}

/**
 * The inserts still missing, organization by organization (each organization once, however many
 * rows name it): member first, then the group, then the group membership.
 *
 * @example
 * membershipActions([{ organizationId: "o1", systemUserIsMember: true, prebuildsGroupExists: false, systemUserInGroup: false }]);
 * // → [{ organizationId: "o1", step: "group" }, { organizationId: "o1", step: "groupMember" }]
 */
export function membershipActions(rows: readonly MembershipStatusRow[]): MembershipAction[] {
  const seen = new Set<string>();
  const actions: MembershipAction[] = [];
  for (const row of rows) {
    if (seen.has(row.organizationId)) continue;
    seen.add(row.organizationId);
    if (!row.systemUserIsMember) actions.push({ organizationId: row.organizationId, step: "member" });
    if (!row.prebuildsGroupExists) actions.push({ organizationId: row.organizationId, step: "group" });
    if (!row.systemUserInGroup) actions.push({ organizationId: row.organizationId, step: "groupMember" });
  }
  return actions;
}
