// Imported first by openapi.test.ts: lib/env parses process.env once, when the first module asks for it.
export const PASSWORD = "openapi-test-password";
export const QUEUE_SCHEMA = "q_openapi";
Object.assign(process.env, { ADMIN_PASSWORD: PASSWORD, QUEUE_SCHEMA });
