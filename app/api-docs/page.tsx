import type { Metadata } from "next";
import type { ReactNode } from "react";
import { openApiDocument } from "@/lib/openapi";

export const metadata: Metadata = { title: "API" };

type Schema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  prefixItems?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  default?: unknown;
};

function typeName(s: Schema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return alt.map(typeName).join(" | ");
  if (s.prefixItems) return `[${s.prefixItems.map(typeName).join(", ")}]`;
  if (s.type === "array" && s.items) return `${typeName(s.items)}[]`;
  const t = Array.isArray(s.type) ? s.type.join(" | ") : (s.type ?? "any");
  return s.format ? `${t} (${s.format})` : t;
}

/** A schema as a nested list of fields: name, type, required, description. */
function SchemaView({ schema, depth = 0 }: { schema: Schema; depth?: number }): ReactNode {
  const objects = [schema, ...(schema.anyOf ?? schema.oneOf ?? []), ...(schema.type === "array" && schema.items ? [schema.items] : [])].filter((s) => s.properties);
  if (!objects.length || depth > 4) return <code className="text-xs">{typeName(schema)}</code>;
  return (
    <>
      {objects.map((obj, i) => (
        <ul key={i} className={`space-y-1 text-sm ${depth ? "ml-4 border-l border-line pl-3" : ""}`}>
          {objects.length > 1 && <li className="text-xs text-ink-muted">one of:</li>}
          {Object.entries(obj.properties!).map(([name, field]) => (
            <li key={name}>
              <code className="font-semibold">{name}</code>
              {!obj.required?.includes(name) && <span className="text-ink-muted">?</span>} <code className="text-xs text-accent-700">{typeName(field)}</code>
              {field.description && <span className="text-ink-muted"> — {field.description}</span>}
              {(field.properties || field.items?.properties || field.anyOf?.some((a) => a.properties)) && <SchemaView schema={field} depth={depth + 1} />}
            </li>
          ))}
        </ul>
      ))}
    </>
  );
}

type Op = {
  summary: string;
  description?: string;
  parameters: { name: string; in: string; required: boolean; schema: Schema; description?: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
};

/** The API, read from the same OpenAPI document as /api/openapi.json (built from the routes' zod schemas). */
export default function ApiDocsPage() {
  const doc = openApiDocument();
  const paths = doc.paths as Record<string, Record<string, Op>>;
  return (
    <div className="space-y-8">
      <header className="space-y-2">
        <h1 className="text-2xl font-semibold tracking-tight">API</h1>
        <p className="text-ink-muted">{doc.info.description}</p>
        <p className="text-sm">
          Machine-readable: <a href="/api/openapi.json" className="text-accent-700 underline">/api/openapi.json</a> (OpenAPI 3.1). Programs authenticate with{" "}
          <code>Authorization: Bearer pw_…</code> (keys are made in <a href="/admin" className="text-accent-700 underline">/admin</a>).
        </p>
      </header>
      {Object.entries(paths).map(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => (
          <section key={`${method} ${path}`} id={`${method}-${path}`} className="space-y-3 rounded-lg border border-line bg-white p-5">
            <h2 className="font-mono text-base">
              <span className="mr-2 rounded bg-accent-50 px-2 py-0.5 font-semibold uppercase text-accent-700">{method}</span>
              {path}
            </h2>
            <p>{op.summary}</p>
            {op.description && <p className="text-sm text-ink-muted">Access: {op.description}</p>}
            {op.parameters.length > 0 && (
              <div>
                <h3 className="text-sm font-semibold">Parameters</h3>
                <ul className="text-sm">
                  {op.parameters.map((p) => (
                    <li key={`${p.in}-${p.name}`}>
                      <code className="font-semibold">{p.name}</code> <span className="text-ink-muted">({p.in}{p.required ? ", required" : ""})</span>{" "}
                      <code className="text-xs text-accent-700">{typeName(p.schema)}</code>
                      {p.schema.default !== undefined && <span className="text-ink-muted"> default {JSON.stringify(p.schema.default)}</span>}
                      {p.description && <span className="text-ink-muted"> — {p.description}</span>}
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {op.requestBody && (
              <div>
                <h3 className="text-sm font-semibold">JSON body</h3>
                <SchemaView schema={Object.values(op.requestBody.content)[0]!.schema} />
              </div>
            )}
            <div>
              <h3 className="text-sm font-semibold">Responses</h3>
              <ul className="space-y-2 text-sm">
                {Object.entries(op.responses).map(([status, r]) => (
                  <li key={status}>
                    <code className="font-semibold">{status}</code> {r.description}
                    {r.content && Number(status) < 300 && <SchemaView schema={Object.values(r.content)[0]!.schema} depth={1} />}
                  </li>
                ))}
              </ul>
            </div>
          </section>
        )),
      )}
      <section className="space-y-3 rounded-lg border border-line bg-white p-5">
        <h2 className="text-base font-semibold">Webhook events</h2>
        <p className="text-sm">{doc.webhooks.documentEvent.post.summary}</p>
        <SchemaView schema={doc.webhooks.documentEvent.post.requestBody.content["application/json"].schema as Schema} />
      </section>
    </div>
  );
}
