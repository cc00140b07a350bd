/** Stable colours per detection class: the PubLayNet five first, then a few for other labels, then grey. */
export const STANDARD_CLASSES = ["Text", "Title", "List", "Table", "Figure"] as const;

const STANDARD: Record<string, string> = {
  Text: "#0072b2",
  Title: "#d55e00",
  List: "#009e73",
  Table: "#b4478f",
  Figure: "#c98500",
};

const EXTRA = ["#3f8fbf", "#8c564b", "#6a51a3", "#7a8a00", "#00838f"];
export const FALLBACK_COLOR = "#6b7280";

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}

export function colorFor(label: string): string {
  const standard = STANDARD[label];
  if (standard) return standard;
  if (!label) return FALLBACK_COLOR;
  return EXTRA[hash(label) % EXTRA.length] ?? FALLBACK_COLOR;
}

/** Standard classes in their usual order, then any other labels alphabetically. */
export function orderLabels(labels: Iterable<string>): string[] {
  const set = new Set<string>(STANDARD_CLASSES);
  for (const label of labels) set.add(label);
  const rank = (l: string) => {
    const i = (STANDARD_CLASSES as readonly string[]).indexOf(l);
    return i === -1 ? STANDARD_CLASSES.length : i;
  };
  return [...set].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
