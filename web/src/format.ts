// Human-readable formatting of metric values and times (in the viewer's time zone).

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

export function bytes(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  let i = 0;
  let n = Math.abs(v);
  while (n >= 1024 && i < BYTE_UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  const s = i === 0 ? String(Math.round(n)) : n.toFixed(n >= 100 ? 0 : digits);
  return (v < 0 ? "-" : "") + s + " " + BYTE_UNITS[i];
}

export function rate(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return bytes(v) + "/s";
}

export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return v.toFixed(v >= 99.95 ? 0 : 1) + "%";
}

export function num(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return v.toFixed(digits);
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${hh}h`;
  if (hh > 0) return `${hh}h ${mm}m`;
  if (mm > 0) return `${mm}m`;
  return `${s}s`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function dateTimeOf(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === "") return "—";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? "—" : dateTime.format(d);
}

const dateTimeSec = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** Date and time to the second, in the viewer's time zone (audit log). */
export function dateTimeSecOf(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === "") return "—";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? "—" : dateTimeSec.format(d);
}

const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "long" });

export function dateOf(v: Date): string {
  return dateOnly.format(v);
}

/** The viewer's time zone name, e.g. "Europe/Berlin". */
export function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
}

const count = new Intl.NumberFormat();

/** An integer with the viewer's digit grouping (1,234,567). */
export function integer(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : count.format(v);
}

export function ago(v: string | number | null | undefined, now = Date.now()): string {
  if (v === null || v === undefined || v === "") return "never";
  const t = new Date(v).getTime();
  if (Number.isNaN(t)) return "never";
  const s = Math.max(0, (now - t) / 1000);
  return s < 5 ? "just now" : duration(s) + " ago";
}
