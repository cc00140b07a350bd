import { ADMIN_COOKIE } from "@/lib/server/admin-auth";

export async function POST() {
  return Response.json({ ok: true }, { headers: { "set-cookie": `${ADMIN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` } });
}
