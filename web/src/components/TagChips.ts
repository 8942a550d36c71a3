// A host's tags as small chips. On the overview they are buttons that filter by the tag.

import { h } from "../dom";

export function TagChips(tags: readonly string[] | undefined, opts: { max?: number; clickable?: boolean } = {}): HTMLElement | null {
  if (!tags || tags.length === 0) return null;
  const max = opts.max ?? tags.length;
  const chip = (t: string) => opts.clickable
    ? h("button", { type: "button", class: "chip", "data-tag": t, "data-testid": "tag-chip", title: `Show only hosts tagged ${t}` }, t)
    : h("span", { class: "chip", "data-testid": "tag-chip" }, t);
  return h("span", { class: "chips", "aria-label": `Tags: ${tags.join(", ")}` },
    tags.slice(0, max).map(chip),
    tags.length > max ? h("span", { class: "chip chip-more", title: tags.slice(max).join(", ") }, `+${tags.length - max}`) : null);
}
