// Imported first by pagewise.test.ts: the route handlers' settings (lib/env parses process.env once).
export const PASSWORD = "cli-test-password";
Object.assign(process.env, { ADMIN_PASSWORD: PASSWORD, QUEUE_SCHEMA: "q_cli" });
