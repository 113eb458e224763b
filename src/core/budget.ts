/**
 * The global create budget (SPEC §6): handed out one instance at a time, each to the preset whose
 * still-missing fraction is largest, so a small preset is not starved by a large one.
 */

import { compareIds } from "./ordering.js";

/** One preset's claim on the budget. */
export interface BudgetRequest {
  readonly presetId: string;
  /** How many creates the preset needs; > 0. */
  readonly requested: number;
  /** The preset's desired count; ≥ `requested`, so > 0. */
  readonly desired: number;
}

interface Entry {
  readonly request: BudgetRequest;
  readonly position: number;
  granted: number;
}

/** Whether `left` gets the next instance before `right`. */
function goesFirst(left: Entry, right: Entry): boolean {
  const leftMissing = left.request.requested - left.granted;
  const rightMissing = right.request.requested - right.granted;
  // Compare missing/desired fractions exactly by cross-multiplying whole numbers.
  const byFraction = leftMissing * right.request.desired - rightMissing * left.request.desired;
  if (byFraction !== 0) return byFraction > 0;
  if (leftMissing !== rightMissing) return leftMissing > rightMissing;
  return compareIds(left.request.presetId, right.request.presetId) < 0;
}

function siftDown(heap: Entry[], start: number): void {
  let index = start;
  for (;;) {
    const left = 2 * index + 1;
    const right = left + 1;
    let best = index;
    if (left < heap.length && goesFirst(heap[left] as Entry, heap[best] as Entry)) best = left;
    if (right < heap.length && goesFirst(heap[right] as Entry, heap[best] as Entry)) best = right;
    if (best === index) return;
    [heap[index], heap[best]] = [heap[best] as Entry, heap[index] as Entry];
    index = best;
  }
}

/**
 * How many creates each request is granted out of `budget`, in the order of `requests`.
 * O(n + budget × log n), and O(n) when the budget covers everything.
 */
export function allocateBudget(requests: readonly BudgetRequest[], budget: number): number[] {
  const total = requests.reduce((sum, request) => sum + request.requested, 0);
  if (total <= budget) return requests.map((request) => request.requested);
  const entries: Entry[] = requests.map((request, position) => ({ request, position, granted: 0 }));
  const heap = [...entries];
  for (let index = Math.floor(heap.length / 2) - 1; index >= 0; index -= 1) siftDown(heap, index);
  for (let remaining = budget; remaining > 0 && heap.length > 0; remaining -= 1) {
    const top = heap[0] as Entry;
    top.granted += 1;
    if (top.granted === top.request.requested) {
      const last = heap.pop() as Entry;
      if (heap.length > 0) heap[0] = last;
    }
    siftDown(heap, 0);
  }
  return entries.map((entry) => entry.granted);
}
