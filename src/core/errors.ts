/** One problem found in the input, with the path of the bad field. */
export interface ValidationIssue {
  /** Where the bad value is, for example `presets[2].scheduling.schedules[0].cron`. */
  readonly path: string;
  /** What is wrong with it, in words a person can act on. */
  readonly message: string;
}

function summarize(subject: string, issues: readonly ValidationIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => `${issue.path}: ${issue.message}`);
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : "";
  return `${subject}: ${shown.join("; ")}${more}`;
}

/**
 * Thrown when a snapshot (or a preset inside one) is invalid. `issues` names every bad field.
 *
 * @example
 * try {
 *   calculateActions(snapshot, clock);
 * } catch (error) {
 *   if (error instanceof SnapshotValidationError) {
 *     for (const issue of error.issues) console.error(`${issue.path}: ${issue.message}`);
 *   }
 * }
 */
export class SnapshotValidationError extends Error {
  /** Stable machine-readable code. */
  readonly code = "SNAPSHOT_INVALID" as const;
  /** Every problem found; never empty. */
  readonly issues: readonly ValidationIssue[];
  /** The preset the problems belong to, when known. */
  readonly presetId: string | null;

  constructor(issues: readonly ValidationIssue[], presetId: string | null = null) {
    super(summarize(presetId === null ? "invalid snapshot" : `invalid snapshot for preset ${presetId}`, issues));
    this.name = "SnapshotValidationError";
    this.issues = issues;
    this.presetId = presetId;
  }
}

/**
 * Thrown when a {@link ReconcilePolicy} is invalid. `issues` names every bad field.
 *
 * @example
 * try {
 *   planCycle(snapshot, clock, { maxCreatesPerCycle: -1 });
 * } catch (error) {
 *   if (error instanceof PolicyValidationError) console.error(error.issues); // [{ path: "policy.maxCreatesPerCycle", … }]
 * }
 */
export class PolicyValidationError extends Error {
  /** Stable machine-readable code. */
  readonly code = "POLICY_INVALID" as const;
  /** Every problem found; never empty. */
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super(summarize("invalid reconcile policy", issues));
    this.name = "PolicyValidationError";
    this.issues = issues;
  }
}

/**
 * Thrown when an argument of a helper or of the Reconciler is unusable (a claim request without
 * parameters, an id with a NUL byte). `issues` names every bad field.
 *
 * @example
 * try {
 *   await reconciler.claim(request);
 * } catch (error) {
 *   if (error instanceof ArgumentValidationError) return response.status(400).json(error.issues);
 *   throw error;
 * }
 */
export class ArgumentValidationError extends Error {
  /** Stable machine-readable code. */
  readonly code = "ARGUMENT_INVALID" as const;
  /** Every problem found; never empty. */
  readonly issues: readonly ValidationIssue[];

  constructor(subject: string, issues: readonly ValidationIssue[]) {
    super(summarize(`invalid ${subject}`, issues));
    this.name = "ArgumentValidationError";
    this.issues = issues;
  }
}
