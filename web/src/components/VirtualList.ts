// Windowing for long lists that scroll with the page: only the rows near the viewport are in the
// DOM, with two spacers standing in for the rest, so 1,000 hosts cost as much as ~40. Row heights
// are per kind (host row, card row, group header) and measured from rendered rows, so CSS decides
// the sizes and phones and desktops both come out right.

export interface VRow {
  /** Stable identity, used to reuse elements between renders. */
  key: string;
  kind: string;
}

export interface VirtualListOptions<R extends VRow> {
  /** The element whose children are the rows (a tbody or a div). */
  container: HTMLElement;
  /** Makes a spacer element that takes up a given height. */
  spacer: () => HTMLElement;
  /** The element for a row; callers cache and update these themselves. */
  element: (r: R) => HTMLElement;
  /** First guesses of each kind's height in px, replaced by measurements. */
  heights: Record<string, number>;
  overscan?: number;
}

export interface VirtualList<R extends VRow> {
  setRows(rows: R[]): void;
  /** Puts the rows near the viewport into the DOM; returns them. */
  render(): R[];
  /** Total height of all rows (px). */
  height(): number;
}

export function VirtualList<R extends VRow>(o: VirtualListOptions<R>): VirtualList<R> {
  const overscan = o.overscan ?? 6;
  const heights = { ...o.heights };
  const top = o.spacer();
  const bottom = o.spacer();
  top.dataset.spacer = "top";
  bottom.dataset.spacer = "bottom";
  let rows: R[] = [];
  let offsets: number[] = [0]; // offsets[i] = top of row i; offsets[rows.length] = total
  let shown: HTMLElement[] = [];

  function layout(): void {
    offsets = new Array(rows.length + 1);
    offsets[0] = 0;
    for (let i = 0; i < rows.length; i++) offsets[i + 1] = offsets[i] + (heights[rows[i].kind] ?? 40);
  }

  /** Index of the row containing y (binary search over offsets). */
  function indexAt(y: number): number {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offsets[mid + 1] <= y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function place(): R[] {
    const rect = o.container.getBoundingClientRect();
    const viewTop = Math.max(0, -rect.top);
    const viewBottom = viewTop + (window.innerHeight || 800);
    const first = Math.max(0, indexAt(viewTop) - overscan);
    const last = Math.min(rows.length, indexAt(viewBottom) + 1 + overscan);
    const visible = rows.slice(first, last);
    const els = visible.map(o.element);
    top.style.height = `${offsets[first]}px`;
    bottom.style.height = `${offsets[rows.length] - offsets[last]}px`;
    const same = els.length === shown.length && els.every((e, i) => e === shown[i]);
    if (!same || o.container.firstChild !== top) {
      o.container.replaceChildren(top, ...els, bottom);
      shown = els;
    }
    return visible;
  }

  /** Measures the kinds that are on screen; true when a guess was off. */
  function measure(visible: R[]): boolean {
    let changed = false;
    const seen = new Set<string>();
    visible.forEach((r, i) => {
      if (seen.has(r.kind)) return;
      seen.add(r.kind);
      const el = shown[i];
      const cs = getComputedStyle(el);
      const hgt = el.getBoundingClientRect().height + (parseFloat(cs.marginTop) || 0) + (parseFloat(cs.marginBottom) || 0);
      if (hgt > 0 && Math.abs(hgt - (heights[r.kind] ?? 0)) > 0.5) {
        heights[r.kind] = hgt;
        changed = true;
      }
    });
    return changed;
  }

  return {
    setRows(r) {
      rows = r;
      layout();
    },
    render() {
      let visible = place();
      // A wrong height guess shifts everything below: measure, re-lay out and place again (twice
      // at most, as the second pass only adds kinds that came into view).
      for (let i = 0; i < 2 && visible.length > 0 && measure(visible); i++) {
        layout();
        visible = place();
      }
      return visible;
    },
    height: () => offsets[rows.length],
  };
}
