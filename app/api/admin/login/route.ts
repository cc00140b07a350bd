import { loginRequestSchema } from "@/lib/api-query";
import { env } from "@/lib/env";
import { sessionCookie, verifyLogin } from "@/lib/server/admin-auth";
import { clientAddress, handle, parseJson } from "@/lib/server/http";

export async function POST(request: Request) {
  return handle(async () => {
    const { password } = await parseJson(request, loginRequestSchema);
    const session = verifyLogin(password, clientAddress(request));
    return Response.json(
      { ok: true },
      { headers: { "set-cookie": sessionCookie(session, env().NODE_ENV === "production") } },
    );
  });
}
