/** A determinate progress bar; `value` of `max`. Unknown totals render as an empty bar with a text value. */
export function ProgressBar({
  value,
  max,
  label,
  valueText,
  tone = "accent",
  testId,
}: {
  value: number;
  max: number;
  label: string;
  valueText?: string;
  tone?: "accent" | "success" | "danger" | "muted";
  testId?: string;
}) {
  const safeMax = max > 0 ? max : 1;
  const clamped = Math.min(Math.max(value, 0), safeMax);
  const percent = (clamped / safeMax) * 100;
  const bar = {
    accent: "bg-accent-600",
    success: "bg-emerald-600",
    danger: "bg-red-600",
    muted: "bg-neutral-400",
  }[tone];
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={safeMax}
      aria-valuenow={Math.round(clamped)}
      aria-valuetext={valueText ?? `${Math.round(percent)}%`}
      data-testid={testId}
      className="h-2 w-full overflow-hidden rounded-full bg-neutral-200"
    >
      <div className={`h-full rounded-full transition-[width] duration-300 ${bar}`} style={{ width: `${percent}%` }} />
    </div>
  );
}
