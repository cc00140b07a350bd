import type { Metadata } from "next";
import { cookies } from "next/headers";
import { AdminConsole } from "@/components/admin/admin-console";
import { ApiKeysPanel } from "@/components/admin/api-keys-panel";
import { LoginForm } from "@/components/admin/login-form";
import { ModelsPanel } from "@/components/admin/models-panel";
import { WebhookLogPanel } from "@/components/admin/webhook-log-panel";
import { ADMIN_COOKIE, isAdminSession } from "@/lib/server/admin-auth";

export const metadata: Metadata = { title: "Admin", robots: { index: false, follow: false } };

/**
 * Signed out, the page asks for the password and fetches nothing it would be refused (no 401s in the console);
 * signing in or out refreshes it. A session that expires while the page is open still falls back to the form.
 */
export default async function AdminPage() {
  const signedIn = isAdminSession((await cookies()).get(ADMIN_COOKIE)?.value);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Admin</h1>
      {signedIn ? <AdminConsole /> : <LoginForm />}
      <ModelsPanel />
      {signedIn && <ApiKeysPanel />}
      {signedIn && <WebhookLogPanel />}
    </div>
  );
}
