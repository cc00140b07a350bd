import type { Metadata } from "next";
import { AdminConsole } from "@/components/admin/admin-console";
import { ApiKeysPanel } from "@/components/admin/api-keys-panel";
import { ModelsPanel } from "@/components/admin/models-panel";
import { WebhookLogPanel } from "@/components/admin/webhook-log-panel";

export const metadata: Metadata = { title: "Admin", robots: { index: false, follow: false } };

export default function AdminPage() {
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Admin</h1>
      <AdminConsole />
      <ModelsPanel />
      <ApiKeysPanel />
      <WebhookLogPanel />
    </div>
  );
}
