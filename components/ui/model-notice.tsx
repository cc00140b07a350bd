import type { DocumentDto } from "@/lib/api-types";

type Model = NonNullable<DocumentDto["model"]>;

/** Why the boxes of a model that is not a trained detector should not be trusted; null for trained models. */
export function modelWarning(model: Model): string | null {
  if (model.kind === "trained") return null;
  if (model.kind === "heuristic") return "Heuristic baseline — not a trained model. Boxes come from simple image rules.";
  if (model.kind === "untrained") return "Untrained weights: boxes are meaningless.";
  return `Unknown model kind${model.kind ? ` "${model.kind}"` : ""}: not a verified trained model.`;
}


/** The model's name, always, and a visible notice when it is not a trained model. */
export function ModelNotice({ model }: { model: DocumentDto["model"] }) {
  if (!model) return <p className="text-sm text-ink-muted">Model: not assigned yet</p>;
  const warning = modelWarning(model);
  return (
    <div className="space-y-2">
      <p className="text-sm" data-testid="model-name">
        <span className="text-ink-muted">Model: </span>
        <span className="font-medium">{model.name}</span>
        {model.version && <span className="text-ink-muted"> · version {model.version}</span>}
      </p>
      {warning && (
        <p
          role="note"
          data-testid="model-warning"
          data-kind={model.kind ?? "unknown"}
          className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900"
        >
          <span aria-hidden="true">⚠ </span>
          {warning}
        </p>
      )}
    </div>
  );
}
