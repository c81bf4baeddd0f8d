import { type Diagnostic, DiagnosticCollector } from "./diagnostics.js";

/**
 * A collector that appends every report, uncapped and unsorted, to its
 * current `target` list: the incremental analyzer keeps each pass's and
 * each statement's diagnostics apart, in report order, and replays them
 * into a real collector at the end (where the cap and the sort apply).
 */
export class ListCollector extends DiagnosticCollector {
  target: Diagnostic[];

  constructor(target: Diagnostic[] = []) {
    super();
    this.target = target;
  }

  override report(d: Diagnostic): void {
    this.target.push(d);
  }
}
