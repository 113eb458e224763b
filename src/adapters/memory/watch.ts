/**
 * Change notification on the mutable fields of the rows an {@link InMemoryStore} holds. The rows
 * are plain objects that simulators and tests change in place (`build.status = "failed"`); the
 * store keeps indexes over them, and learns of each change through an accessor installed on the
 * row itself, so its indexes are exact whoever changes the row.
 */

/**
 * Replaces `field` of `row` with an enumerable accessor that stores the value as before and calls
 * `changed` after every assignment. A field that already has an accessor (the row is held by a
 * second store) keeps it and is chained. A field that cannot change (frozen) is left alone.
 */
export function watchField<Row extends object>(row: Row, field: keyof Row & string, changed: () => void): void {
  const descriptor = Object.getOwnPropertyDescriptor(row, field);
  if (descriptor !== undefined && descriptor.configurable !== true) {
    if (descriptor.writable === true) throw new TypeError(`the row's ${field} field cannot be watched (it is not configurable)`);
    return;
  }
  const previousGet = descriptor?.get;
  const previousSet = descriptor?.set;
  let value: unknown = descriptor?.value;
  Object.defineProperty(row, field, {
    enumerable: true,
    configurable: true,
    get: previousGet === undefined ? () => value : previousGet,
    set: (next: unknown) => {
      if (previousSet === undefined) value = next;
      else previousSet.call(row, next);
      changed();
    },
  });
}
